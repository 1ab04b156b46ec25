/**
 * `Leases`: the Durable Object that keeps one key's lease (one object per key, `idFromName(key)`).
 * Single-threaded, so two isolates asking at once never both win; the lease is written to the
 * object's storage before it is answered, so an object evicted mid-lease still knows its holder,
 * and an alarm at its end deletes it, so an object whose key is never asked again keeps nothing.
 * The decision is lease.ts's, the same the scale simulation drives. One class for every worker
 * that needs a lease (the feed's hot-key writes, the edge's renders): each exports it from its
 * entry and binds its own namespace.
 */
import { DurableObject } from 'cloudflare:workers';
import { MAX_LEASE_MS, decideLease, type Lease, type LeaseAnswer } from './lease.ts';

const KEY = 'lease';

export class Leases extends DurableObject {
  #lease: Lease | undefined;
  #loaded = false;

  /** Grants the lease to `holder` for `ttlMs` if it is free (or already theirs); answers who holds it. */
  async acquire(holder: string, ttlMs: number): Promise<LeaseAnswer> {
    if (!holder || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_MS) {
      throw new RangeError(`acquire: holder must be non-empty and ttlMs an integer in 1..${MAX_LEASE_MS}`);
    }
    if (!this.#loaded) {
      this.#lease = await this.ctx.storage.get<Lease>(KEY);
      this.#loaded = true;
    }
    const { lease, answer } = decideLease(this.#lease, holder, Date.now(), ttlMs);
    if (lease !== this.#lease) {
      this.#lease = lease;
      await this.ctx.storage.put(KEY, lease);
      // Wake at its end to forget it: an object per page and device would otherwise keep a row forever.
      await this.ctx.storage.setAlarm(lease.until);
    }
    return answer;
  }

  /** At a lease's end: forget it, unless it was renewed meanwhile (then wake at the new end). */
  override async alarm(): Promise<void> {
    const lease = await this.ctx.storage.get<Lease>(KEY);
    if (lease && lease.until > Date.now()) {
      await this.ctx.storage.setAlarm(lease.until);
      return;
    }
    await this.ctx.storage.deleteAll();
    this.#lease = undefined;
    this.#loaded = true;
  }
}
