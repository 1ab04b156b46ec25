/**
 * Global render coalescing: before an isolate renders a page for a crawler (a miss, or a stale
 * snapshot's refresh), its single-flight leader takes the page's lease (one `Leases` Durable Object
 * per cache key, shared/lease) for the render timeout plus KV's propagation, by when the stored
 * snapshot's index is visible in every location. Only the holder takes from the render budget and
 * renders, so a page is rendered once per lease across the fleet and the budget is counted once;
 * every other isolate answers FALLBACK at once (the last snapshot, else the shell) until the lease
 * ends. A holder that dies mid-render lets the lease run out; the first miss after that renders.
 *
 * Each isolate remembers the answer until the lease ends (no RPC per miss while it holds or is
 * refused). A lease object that cannot answer within `waitMs` (unreachable, overloaded, far away)
 * never stalls or fails the request: the isolate decides as it would without a lease (renders,
 * bounded by its single flight and the budget), and the caller logs it.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import type { LeaseAnswer, LeaseStub } from '../../../shared/lease/lease.ts';

/** `holder`: this isolate renders; `refused`: another holds the page; `unreachable`: no answer in time. */
export type LeaseVerdict = 'holder' | 'refused' | 'unreachable';

/** Time as the lease client sees it: the real clock in a worker, a simulated one in the scale bench. */
export interface LeaseClock {
  now(): number;
  /** `promise`, or `undefined` if it has not settled within `ms` (a rejection also gives `undefined`). */
  within<T>(promise: Promise<T>, ms: number): Promise<T | undefined>;
}

export const realClock: LeaseClock = {
  now: () => Date.now(),
  async within(promise, ms) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([promise.catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  },
};

/** Pages whose lease answer an isolate remembers at once. */
const KNOWN_KEYS = 10_000;

export class RenderLeases {
  /** Per cache key: whether this isolate holds its lease, until the lease ends. */
  readonly #known = new BoundedMap<boolean>({ maxEntries: KNOWN_KEYS });

  constructor(
    /** This isolate's name as a lease holder. */
    readonly holder: string,
    /** How long a lease lasts: the render timeout plus KV's propagation. */
    readonly ttlMs: number,
    /** How long a miss waits for the lease object before deciding without it. */
    readonly waitMs: number,
    readonly clock: LeaseClock = realClock,
  ) {}

  /** Whether this isolate may render `key` now: it holds the key's lease (taking it if free). */
  async take(key: string, stub: () => LeaseStub): Promise<LeaseVerdict> {
    const now = this.clock.now();
    const known = this.#known.get(key, now);
    if (known !== undefined) return known ? 'holder' : 'refused';
    let ask: Promise<LeaseAnswer>;
    try {
      ask = stub().acquire(this.holder, this.ttlMs);
    } catch {
      return 'unreachable';
    }
    const answer = await this.clock.within(ask, this.waitMs);
    if (answer === undefined) return 'unreachable';
    this.#known.set(key, answer.granted, answer.until - this.clock.now(), this.clock.now());
    return answer.granted ? 'holder' : 'refused';
  }
}
