// A deploy's stampede on a tab's write lease: a fresh isolate's live answers first ask at a random
// point of CACHE_WRITE_FIRST_SPREAD_S; the cron and probes ask at once. The writer against the real
// local `Leases` Durable Object.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { LeaseStub } from '../../shared/lease/lease.ts';
import { HotKeyWriter } from '../../workers/feed/src/writer.ts';

/** The tab's real lease object, counting the asks that reach it. */
function leaseOf(key: string): { stub: () => LeaseStub; asks: () => number } {
  let asks = 0;
  const object = env.LEASES.get(env.LEASES.idFromName(key));
  return {
    stub: () => ({
      acquire(holder, ttlMs) {
        asks++;
        return object.acquire(holder, ttlMs);
      },
    }),
    asks: () => asks,
  };
}

describe("a fresh isolate's first ask for a tab's write lease", () => {
  it('from a live answer waits for its point of the spread: no ask, no write', async () => {
    const key = `spread-${crypto.randomUUID()}`;
    const lease = leaseOf(key);
    // Its point is half a minute away.
    const writer = new HotKeyWriter('fresh-isolate', 60_000, () => 0.5, 60_000);
    expect(await writer.mayWrite(key, lease.stub, true)).toBe(false);
    expect(await writer.mayWrite(key, lease.stub, true)).toBe(false);
    expect(lease.asks()).toBe(0);
  });

  it('from a live answer whose point has come asks, and takes the free lease', async () => {
    const key = `spread-${crypto.randomUUID()}`;
    const lease = leaseOf(key);
    const writer = new HotKeyWriter('fresh-isolate', 60_000, () => 0, 60_000);
    expect(await writer.mayWrite(key, lease.stub, true)).toBe(true);
    expect(lease.asks()).toBe(1);
  });

  it("from the cron asks at once, spread or not, and the isolate's live answers then know the answer", async () => {
    const key = `spread-${crypto.randomUUID()}`;
    const lease = leaseOf(key);
    const writer = new HotKeyWriter('cron-isolate', 60_000, () => 0.5, 60_000);
    expect(await writer.mayWrite(key, lease.stub)).toBe(true);
    expect(await writer.mayWrite(key, lease.stub, true)).toBe(true);
    expect(lease.asks()).toBe(1);
  });
});
