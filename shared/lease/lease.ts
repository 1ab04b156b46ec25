/**
 * A lease: one holder per key until a time, decided by whoever keeps the key's current lease (a
 * Durable Object, which is single-threaded, so two askers never both win). Pure and clock-free, so
 * the same decision runs in the object and in the scale simulation (bench/scenarios/scale.mjs).
 *
 * A lease is never renewed by asking again and never released early: it bounds how often the
 * guarded work happens (at most once per key per `ttlMs`), and a holder that dies mid-lease simply
 * lets it run out, after which the next asker wins (Gray and Cheriton, "Leases", SOSP 1989).
 */

/** The longest lease anyone may ask for: a lease is a throttle, not a lock held for hours. */
export const MAX_LEASE_MS = 3_600_000;

export interface Lease {
  holder: string;
  /** Epoch ms when the lease runs out; at or after it the key is free. */
  until: number;
}

/** `granted`: the asker holds the lease until `until`; otherwise `holder` does. */
export interface LeaseAnswer {
  granted: boolean;
  holder: string;
  until: number;
}

/** The RPC surface of the `Leases` object (object.ts) that its askers use. */
export interface LeaseStub {
  acquire(holder: string, ttlMs: number): Promise<LeaseAnswer>;
}

/** Whether `holder` gets the key now, and the lease the key has afterwards. */
export function decideLease(current: Lease | undefined, holder: string, now: number, ttlMs: number): { lease: Lease; answer: LeaseAnswer } {
  if (current !== undefined && now < current.until) {
    return { lease: current, answer: { granted: current.holder === holder, holder: current.holder, until: current.until } };
  }
  const lease = { holder, until: now + ttlMs };
  return { lease, answer: { granted: true, ...lease } };
}

/**
 * When an asker that did not get the lease should ask again: after the lease runs out, at a point
 * `u` (uniform in [0, 1)) of the interval that follows, so that a fleet's askers spread over the
 * interval instead of all asking the moment it ends; the first of them wins.
 */
export function askAgainAt(answer: LeaseAnswer, ttlMs: number, u: number): number {
  return answer.until + Math.floor(u * ttlMs);
}
