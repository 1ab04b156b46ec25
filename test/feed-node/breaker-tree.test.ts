// The breaker through aggregators (BREAKER_AGGREGATORS > 0): two isolates, each syncing with an
// aggregator Durable Object it picked, the aggregators with the one global FeedBreaker. A trip seen
// by one isolate reaches the global object and comes back down to the other isolate, which never
// sees enough failures to trip on its own.
import { describe, expect, it } from 'vitest';
import { clusterPerTest, sleep } from './cluster.ts';

const start = clusterPerTest();

describe('isolates -> aggregators -> the global breaker', () => {
  it('a trip in one isolate reaches the global object and the other isolate through the tree', async () => {
    const { recommender, cluster: c } = await start(
      { mode: 'fail' },
      {
        BREAKER_AGGREGATORS: '4',
        BREAKER_AGGREGATOR_FLUSH_MS: '0',
        BREAKER_SYNC_MS: '100',
        BREAKER_FLUSH_MS: '0',
        BREAKER_OPEN_MS: '60000',
      },
    );
    const upstream = new URL(recommender.url).origin;
    // Isolate A sees ten failures (the minimum calls) and opens.
    for (let i = 0; i < 10; i++) expect((await c.get('a', `/api/feed/home?user=a${i}`)).body?.mode).toBe('degraded');
    expect((await c.get('a', '/api/feed/home')).body?.reason).toBe('breaker-open');

    // Its aggregator reports the failures on in the background: the global object opens.
    while ((await c.globalStatus(upstream)) !== 'open') await sleep(20);

    // B (its own isolate, its own pick of aggregator) learns the trip from the tree: it answers
    // breaker-open having called the recommender fewer times than it would need to trip alone.
    const before = recommender.state.requests;
    let reason: string | undefined;
    for (let i = 0; reason !== 'breaker-open'; i++) {
      reason = (await c.get('b', `/api/feed/home?user=b${i}`)).body?.reason;
      if (reason !== 'breaker-open') await sleep(20);
    }
    expect(recommender.state.requests - before).toBeLessThan(10);
  });
});
