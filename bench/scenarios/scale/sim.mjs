// The discrete-event engine of the scale simulation: a seeded random source, a clock with an event
// queue, a fleet of isolates in locations, the network between them, and Durable Objects as
// single-threaded servers with a capacity. The model's figures and their sources: bench/scenarios/scale/README.md.
import { createRng } from '../../stats.ts';

/** The bench's seeded generator (mulberry32): the same seed, the same run. */
export const random = createRng;

/** An exponential wait with `ratePerS` events a second, in ms. @param {() => number} rand @param {number} ratePerS */
export function exponentialMs(rand, ratePerS) {
  return (-Math.log(1 - rand()) / ratePerS) * 1000;
}

/** @typedef {{ t: number, seq: number, fn: () => void }} Event */

/** The clock and its event queue (a binary heap ordered by time, then by insertion). */
export class Sim {
  now = 0;
  /** @type {Event[]} */
  #heap = [];
  #seq = 0;

  /** Runs `fn` at time `t` (ms; never before now). @param {number} t @param {() => void} fn */
  at(t, fn) {
    const event = { t: Math.max(t, this.now), seq: this.#seq++, fn };
    const heap = this.#heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = /** @type {Event} */ (heap[parent]);
      if (!before(event, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = event;
  }

  /** Runs events in order until the queue is empty, `until` is passed or `stop()` says so. @param {number} until @param {() => boolean} [stop] */
  run(until, stop = () => false) {
    while (!stop() && this.step(until));
  }

  /**
   * The same, letting promises settle after each event: for code under test whose bookkeeping runs
   * in promise callbacks (the edge's SingleFlight forgets a key in `finally`). With `sliceMs`, they
   * settle once per that much simulated time instead (a continuation runs up to `sliceMs` late),
   * for runs of millions of events.
   * @param {number} until @param {number} [sliceMs]
   */
  async runSettling(until, sliceMs = 0) {
    let settledAt = Number.NEGATIVE_INFINITY;
    while (this.step(until)) {
      if (this.now - settledAt < sliceMs) continue;
      await new Promise((resolve) => setImmediate(resolve));
      settledAt = this.now;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Runs the next event if there is one due by `until`; false when there is none. @param {number} until */
  step(until) {
    const heap = this.#heap;
    if (heap.length === 0 || /** @type {Event} */ (heap[0]).t > until) return false;
    const event = /** @type {Event} */ (heap[0]);
    const last = /** @type {Event} */ (heap.pop());
    const n = heap.length;
    if (n > 0) {
      // Sift the last event down from the root, moving the smaller child up into the hole.
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(/** @type {Event} */ (heap[child + 1]), /** @type {Event} */ (heap[child]))) child++;
        const smaller = /** @type {Event} */ (heap[child]);
        if (!before(smaller, last)) break;
        heap[i] = smaller;
        i = child;
      }
      heap[i] = last;
    }
    this.now = event.t;
    event.fn();
    return true;
  }
}

/** @param {{ t: number, seq: number }} a @param {{ t: number, seq: number }} b */
function before(a, b) {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

/**
 * @typedef {{ id: number, name: string, loc: number, ratePerS: number }} Isolate
 * @typedef {{ pos: number, weight: number }} Location
 * @typedef {{ isolates: Isolate[], locations: Location[] }} Fleet
 */

/**
 * `isolates` isolates in `locations` locations: a location's share of the isolates follows Zipf's
 * law with exponent `zipf` (a few large metros, a long tail), each isolate busy at a lognormal
 * rate of requests (median `medianRps`, sigma `sigma`, at least `minRps`: every isolate is busy), each location at a random point of a ring
 * (its distance to another sets their round trip, `rttMs`).
 * @param {() => number} rand
 * @param {{ isolates: number, locations: number, zipf: number, medianRps: number, sigma: number, minRps: number }} shape
 * @returns {Fleet}
 */
export function makeFleet(rand, shape) {
  const weights = Array.from({ length: shape.locations }, (_, i) => 1 / (i + 1) ** shape.zipf);
  const total = weights.reduce((a, b) => a + b, 0);
  const locations = weights.map((w) => ({ pos: rand(), weight: w / total }));
  const pick = locationPicker(locations);
  const isolates = [];
  for (let id = 0; id < shape.isolates; id++) {
    const loc = pick(rand());
    const ratePerS = Math.min(50, Math.max(shape.minRps, shape.medianRps * Math.exp(shape.sigma * normal(rand))));
    isolates.push({ id, name: `isolate-${id}`, loc, ratePerS });
  }
  return { isolates, locations };
}

/**
 * Picks a location by weight: `u` uniform in [0, 1) gives a location's index.
 * @param {readonly Location[]} locations @returns {(u: number) => number}
 */
export function locationPicker(locations) {
  /** @type {number[]} */
  const cumulative = [];
  let sum = 0;
  for (const l of locations) cumulative.push((sum += l.weight));
  return (u) => {
    const i = cumulative.findIndex((c) => u <= c);
    return i === -1 ? locations.length - 1 : i;
  };
}

/** A standard normal draw (Box-Muller). @param {() => number} rand */
function normal(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * Round trip between two locations, ms: 2 ms within one, then 500 ms per unit of ring distance
 * (at most half the ring: 252 ms, about a round trip between Europe and Australia).
 * @param {Location} a @param {Location} b
 */
export function rttMs(a, b) {
  const d = Math.abs(a.pos - b.pos);
  return 2 + 500 * Math.min(d, 1 - d);
}

/** A client gives up on an RPC after this long (as `withTimeout` in the feed's shared-breaker.ts). */
export const RPC_TIMEOUT_MS = 1_000;

/**
 * A Durable Object: one thread serving RPCs in arrival order, each taking 1 / `capacityPerS`
 * seconds. A request that could not be answered before its caller's timeout is refused on arrival
 * ("Durable Object is overloaded"), costing the object nothing and the caller a failure. Counts
 * the RPCs offered per second of arrival.
 */
export class ObjectServer {
  #busyUntil = 0;
  /** @type {Map<number, number>} */
  offered = new Map();
  refused = 0;

  /** @param {Sim} sim @param {number} capacityPerS @param {Location} location */
  constructor(sim, capacityPerS, location) {
    this.sim = sim;
    this.serviceMs = 1000 / capacityPerS;
    this.location = location;
  }

  /**
   * Sends an RPC now from `from`: `handle(t)` runs on the object at the time it is served and its
   * result reaches `answer(result, t)`; a refusal or timeout reaches `fail(t)`.
   * @template T
   * @param {Location} from @param {(t: number) => T} handle @param {(result: T, t: number) => void} answer @param {(t: number) => void} fail
   */
  call(from, handle, answer, fail) {
    const sent = this.sim.now;
    const half = rttMs(from, this.location) / 2;
    this.sim.at(sent + half, () => {
      const arrival = this.sim.now;
      const second = Math.floor(arrival / 1000);
      this.offered.set(second, (this.offered.get(second) ?? 0) + 1);
      const start = Math.max(arrival, this.#busyUntil);
      const done = start + this.serviceMs;
      if (done + half > sent + RPC_TIMEOUT_MS) {
        this.refused++;
        this.sim.at(Math.min(arrival + half, sent + RPC_TIMEOUT_MS), () => fail(this.sim.now));
        return;
      }
      this.#busyUntil = done;
      this.sim.at(start, () => {
        const result = handle(start);
        this.sim.at(done + half, () => answer(result, this.sim.now));
      });
    });
  }

  /** The most RPCs that arrived within one second. */
  peakPerS() {
    let peak = 0;
    for (const n of this.offered.values()) peak = Math.max(peak, n);
    return peak;
  }
}

/** `list[i]`, which must exist. @template T @param {readonly T[]} list @param {number} i @returns {T} */
export function nth(list, i) {
  const value = list[i];
  if (value === undefined) throw new RangeError(`no element ${i} of ${list.length}`);
  return value;
}

/**
 * @typedef {(current: any, holder: string, now: number, ttlMs: number) => { lease: any, answer: LeaseAnswer }} DecideLease
 * @typedef {{ granted: boolean, holder: string, until: number }} LeaseAnswer
 */

/** One key's `Leases` object: an object server whose RPC is the real `decideLease`. */
export class LeaseObject {
  /** @type {any} */
  #lease;

  /** @param {Sim} sim @param {number} capacityPerS @param {Location} location @param {DecideLease} decide */
  constructor(sim, capacityPerS, location, decide) {
    this.server = new ObjectServer(sim, capacityPerS, location);
    this.decide = decide;
  }

  /**
   * @param {Location} from @param {string} holder @param {number} ttlMs
   * @param {(answer: LeaseAnswer, t: number) => void} answer @param {(t: number) => void} fail
   */
  acquire(from, holder, ttlMs, answer, fail) {
    const handle = (/** @type {number} */ at) => {
      const decided = this.decide(this.#lease, holder, at, ttlMs);
      this.#lease = decided.lease;
      return decided.answer;
    };
    this.server.call(from, handle, answer, fail);
  }
}
