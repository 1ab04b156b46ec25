/**
 * `Leases`: the Durable Object that keeps one key's lease (one object per key, `idFromName(key)`).
 * Single-threaded, so two isolates asking at once never both win; the lease is written to the
 * object's storage before it is answered, so an object evicted mid-lease still knows its holder.
 * The decision is shared/lease/lease.ts's, the same the scale simulation drives.
 */
import { DurableObject } from 'cloudflare:workers';
import { decideLease, type Lease, type LeaseAnswer } from '../../../shared/lease/lease.ts';

const KEY = 'lease';
/** The longest lease anyone may ask for: a lease is a throttle, not a lock held for hours. */
export const MAX_LEASE_MS = 3_600_000;

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
    }
    return answer;
  }
}
