// The concurrency limit in front of the recommender: the pure AIMD rule as a table, and shedding
// through the worker (a request past the limit is answered degraded at once, never queued).
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../workers/feed/src/breaker.ts';
import { ConcurrencyLimit } from '../../workers/feed/src/limit.ts';
import { call, freshUpstream, hanging, healthy, networkPerTest } from './support.ts';

const good: Outcome = { at: 0, failed: false, durationMs: 20 };
const failed: Outcome = { at: 0, failed: true, durationMs: 20 };
const slow: Outcome = { at: 0, failed: false, durationMs: 700 };

const limitOf = (max: number, adaptive = true) => new ConcurrencyLimit({ max, adaptive, slowCallMs: 600 });

/** Takes `n` slots, then gives them back with `outcome` each; answers the limit after. */
function round(limit: ConcurrencyLimit, n: number, outcome: Outcome | undefined): number {
  for (let i = 0; i < n; i++) expect(limit.tryAcquire()).toBe(true);
  for (let i = 0; i < n; i++) limit.release(outcome);
  return limit.limit;
}

describe('ConcurrencyLimit', () => {
  it('sheds past the limit, and takes requests again as slots come back', () => {
    const limit = limitOf(2);
    expect([limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()]).toEqual([true, true, false]);
    expect(limit.shed).toBe(1);
    limit.release(good);
    expect(limit.tryAcquire()).toBe(true);
    expect(limit.inFlight).toBe(2);
  });

  it.each([
    ['a failed call halves it', failed, [8, 4, 2, 1, 1]],
    ['a slow call halves it', slow, [8, 4, 2, 1, 1]],
    ['a call that counts neither way leaves it', undefined, [16, 16]],
  ])('%s (one call at a time, from 16)', (_name, outcome, expected) => {
    const limit = limitOf(16);
    expect(expected.map(() => round(limit, 1, outcome))).toEqual(expected);
  });

  it('grows back by one per good call while at least half in use, up to its maximum', () => {
    const limit = limitOf(4);
    round(limit, 4, failed); // 4 -> 2 -> 1 -> 1 -> 1
    expect(limit.limit).toBe(1);
    expect([round(limit, 1, good), round(limit, 1, good), round(limit, 2, good), round(limit, 4, good)]).toEqual([2, 3, 4, 4]);
  });

  it('a hang costs one round of callers: the limit is down to one after it', () => {
    const limit = limitOf(8);
    expect(round(limit, 8, failed)).toBe(1);
  });

  it('fixed (not adaptive): always its maximum', () => {
    const limit = limitOf(3, false);
    expect(round(limit, 3, failed)).toBe(3);
  });
});

describe('through the worker', () => {
  const net = networkPerTest();

  it('a request past the limit is answered degraded at once while the others wait on the recommender', async () => {
    const { origin, env: e } = freshUpstream({ RECOMMENDER_MAX_CONCURRENCY: '1', BREAKER_TIMEOUT_MS: '300' });
    net().on('GET', (u) => u.origin === origin, hanging);
    const [first, second] = await Promise.all([call(e, '/api/feed/home?user=a'), call(e, '/api/feed/home?user=b')]);
    const reasons = [((await first.json()) as { reason: string }).reason, ((await second.json()) as { reason: string }).reason].sort();
    expect(reasons).toEqual(['concurrency-limit', 'upstream-timeout']);
    expect(net().requests.filter((r) => r.url.startsWith(origin))).toHaveLength(1);
  });

  it('_status shows the limit', async () => {
    const { origin, env: e } = freshUpstream({ RECOMMENDER_MAX_CONCURRENCY: '5' });
    net().on('GET', (u) => u.origin === origin, healthy);
    await call(e, '/api/feed/home');
    const status = (await (await call(e, '/api/feed/_status', { headers: { Authorization: 'Bearer test-admin-token' } })).json()) as {
      isolate: { concurrency: unknown };
    };
    expect(status.isolate.concurrency).toEqual({ inFlight: 0, limit: 5, max: 5, adaptive: true, shed: 0 });
  });
});
