/**
 * One writer per hot key: before an isolate writes a tab's last good feed to KV, it takes that
 * tab's lease (`Leases`, one Durable Object per key) for the write interval. One isolate per tab
 * per interval wins and writes; the others skip, so KV sees at most one write per key per
 * interval whatever the fleet (KV accepts about one write per second per key). A lease holder that
 * dies mid-lease lets it run out; the first asker after that wins.
 *
 * Each isolate remembers the answer: the holder until its lease runs out, the others until a
 * random point of the interval after it (`askAgainAt`), so a fleet's askers spread over the
 * interval rather than all asking the moment a lease ends. If the lease cannot be had (the object
 * unreachable or overloaded, or slower than the breaker's RPC timeout, 1 s) the isolate skips the
 * write and asks again at a random point of the next interval: an overloaded lease object must
 * never turn into a burst of writes on the key it protects. The tier then ages (it is served up to
 * `CACHE_MAX_AGE_S`), which is what it is for.
 */
import { log } from '../../../shared/log.ts';
import { askAgainAt, type LeaseAnswer, type LeaseStub } from '../../../shared/lease/lease.ts';
import { withTimeout } from './shared-breaker.ts';

export class HotKeyWriter {
  /** Per key: whether this isolate holds the lease, and until when that answer stands. */
  readonly #known = new Map<string, { granted: boolean; until: number }>();
  /** Per key: when a live answer of this isolate may first ask for the lease. */
  readonly #firstAsk = new Map<string, number>();

  constructor(
    /** This isolate's name as a lease holder. */
    readonly holder: string,
    /** The write interval, which is the lease's length; 0 turns the lease off. */
    readonly intervalMs: number,
    readonly random: () => number = Math.random,
    /**
     * A fresh isolate's live answers first ask at a random point of this span (0: at once). A
     * deploy starts every isolate at once, and each would otherwise ask the key's one object in
     * the same second; the cron and probes always ask at once (they keep the tier written).
     */
    readonly firstSpreadMs = 0,
  ) {}

  /** Whether this isolate may write `key` now: it holds the key's lease (taking it if free). `live`: for a live answer. */
  async mayWrite(key: string, stub: () => LeaseStub, live = false): Promise<boolean> {
    if (this.intervalMs <= 0) return true;
    const now = Date.now();
    const known = this.#known.get(key);
    if (live && known === undefined && this.firstSpreadMs > 0) {
      let at = this.#firstAsk.get(key);
      if (at === undefined) {
        at = now + Math.floor(this.random() * this.firstSpreadMs);
        this.#firstAsk.set(key, at);
      }
      if (now < at) return false;
    }
    if (known !== undefined && now < known.until) return known.granted;
    let answer: LeaseAnswer;
    try {
      answer = await withTimeout(stub().acquire(this.holder, this.intervalMs));
    } catch (error) {
      // Skipped, not written: an overloaded lease object must not turn into a burst of KV writes.
      log('warn', 'feed.lease.unreachable', { key, error: String(error) });
      this.#known.set(key, { granted: false, until: now + Math.floor(this.random() * this.intervalMs) });
      return false;
    }
    const until = answer.granted ? answer.until : askAgainAt(answer, this.intervalMs, this.random());
    this.#known.set(key, { granted: answer.granted, until });
    log('info', answer.granted ? 'feed.lease.won' : 'feed.lease.skipped', { key, holder: answer.holder, until: answer.until });
    return answer.granted;
  }
}
