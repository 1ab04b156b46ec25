// Two isolates share the trip through the Durable Object, and a fault run of 1,000 requests
// against the real demo recommender going down (hanging) and coming back.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRecommender, type Recommender } from '../../demo/recommender/server.mjs';
import { startCluster, type Cluster, type FeedAnswer } from './cluster.ts';

let recommender: Recommender | undefined;
let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  await recommender?.close();
  cluster = recommender = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two isolates, one breaker', () => {
  it('a trip in one isolate reaches the other through the Durable Object', async () => {
    recommender = await startRecommender({ mode: 'fail' });
    cluster = await startCluster({
      RECOMMENDER_URL: recommender.url,
      BREAKER_SYNC_MS: '100',
      BREAKER_FLUSH_MS: '0',
      BREAKER_OPEN_MS: '60000',
    });
    const c = cluster;
    // Isolate A sees ten failures (the minimum calls) and opens.
    for (let i = 0; i < 10; i++) expect((await c.get('a', `/api/feed/home?user=a${i}`)).body?.mode).toBe('degraded');
    expect((await c.get('a', '/api/feed/home')).body?.reason).toBe('breaker-open');
    expect(recommender.state.requests).toBe(10);

    // Isolate B has seen nothing itself. It learns of the trip from the Durable Object on its
    // first refresh (in the background of its first request), not by failing ten times.
    const answers: FeedAnswer[] = [await c.get('b', '/api/feed/home?user=b0')];
    await sleep(300); // the refresh that request started in the background (no timing asserted)
    for (let i = 1; i < 20; i++) answers.push(await c.get('b', `/api/feed/home?user=b${i}`));
    expect(answers.every((a) => a.status === 200 && a.mode === 'degraded')).toBe(true);
    // Exactly one call from B: its very first request still judged on its own empty copy (this
    // also proves B is a separate isolate), everything after followed the shared state.
    expect(answers[0]?.body?.reason).toBe('upstream-status');
    expect(recommender.state.requests - 10).toBe(1);
    expect(answers.slice(1).map((a) => a.body?.reason)).toEqual(Array(19).fill('breaker-open'));
  });

  it('failures are reported at once: five in each isolate trip the shared window, with successes batched for 10 s', async () => {
    recommender = await startRecommender({ mode: 'fail' });
    cluster = await startCluster({
      RECOMMENDER_URL: recommender.url,
      BREAKER_MIN_CALLS: '10',
      BREAKER_FLUSH_MS: '10000',
      BREAKER_SYNC_MS: '60000',
      BREAKER_OPEN_MS: '60000',
    });
    const c = cluster;
    // Neither isolate reaches the minimum calls on its own; only the Durable Object sees all ten.
    for (let i = 0; i < 5; i++) for (const isolate of ['a', 'b'] as const) await c.get(isolate, `/api/feed/home?user=${isolate}${i}`);
    const shared = async () =>
      (
        (await c.get('a', '/api/feed/_status', { Authorization: 'Bearer cluster-admin-token' })).body as unknown as {
          breaker: { status: string };
        }
      ).breaker.status;
    // Batched like successes, the failures would reach it only after the 10 s flush delay.
    await vi.waitUntil(async () => (await shared()) === 'open', { timeout: 5000, interval: 50 });
    expect(recommender.state.requests).toBe(10);
  });

  it('fault run: 1,000 requests while the recommender hangs for a while, then recovers', async () => {
    const config = { windowSize: 20, timeoutMs: 300, openMs: 600, syncMs: 100, lanes: 8 };
    recommender = await startRecommender({ mode: 'ok' });
    cluster = await startCluster({
      RECOMMENDER_URL: recommender.url,
      BREAKER_WINDOW_SIZE: String(config.windowSize),
      BREAKER_MIN_CALLS: '10',
      BREAKER_TIMEOUT_MS: String(config.timeoutMs),
      BREAKER_SLOW_CALL_MS: String(config.timeoutMs),
      BREAKER_OPEN_MS: String(config.openMs),
      BREAKER_SYNC_MS: String(config.syncMs),
      BREAKER_FLUSH_MS: '20',
      BREAKER_HALF_OPEN_PROBES: '2',
      CACHE_WRITE_EVERY_S: '1',
    });
    const c = cluster;
    const rec = recommender;

    // Requests 0-149 healthy, 150-499 hanging, 500-999 healthy again; 8 lanes, alternating
    // isolates, paced so each phase lasts longer than the breaker's wait.
    const total = 1000;
    const answers: (FeedAnswer & { index: number; at: number })[] = [];
    let next = 0;
    let recoveredAt = 0;
    const lane = async (id: number) => {
      for (let i = next++; i < total; i = next++) {
        if (i === 150) rec.setMode({ mode: 'hang' });
        if (i === 500) {
          rec.setMode({ mode: 'ok' });
          recoveredAt = Date.now();
        }
        const answer = await c.get(i % 2 ? 'b' : 'a', `/api/feed/${['home', 'trending', 'new'][i % 3]}?user=u${id}`);
        answers.push({ ...answer, index: i, at: Date.now() });
        await sleep(35);
      }
    };
    await Promise.all(Array.from({ length: config.lanes }, (_, id) => lane(id)));

    expect(answers).toHaveLength(total);
    // Zero non-200 answers, every one saying which mode it is.
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.every((a) => a.mode === a.body?.mode)).toBe(true);

    // Requests that waited on a timeout: at most about one window's worth (the minimum calls, plus
    // what was already in flight in both isolates when the trip happened); probes ran in the
    // background and made nobody wait.
    const waited = answers.filter((a) => a.body?.reason === 'upstream-timeout').length;
    console.log(`fault run: ${waited} requests waited on a timeout; recommender saw ${JSON.stringify(rec.state.byStatus)}`);
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(config.windowSize + config.lanes);

    // During the outage everyone got a degraded feed: the cached anonymous one.
    const outage = answers.filter((a) => a.index >= 160 && a.index < 500);
    expect(outage.every((a) => a.body?.mode === 'degraded')).toBe(true);
    expect(outage.filter((a) => a.body?.source === 'cache').length).toBe(outage.length);

    // Live again within the wait plus a probe (plus a probe already hanging when it came back,
    // and one refresh of each isolate's copy).
    const firstLive = answers.filter((a) => a.index >= 500 && a.body?.mode === 'live').sort((x, y) => x.at - y.at)[0];
    expect(firstLive).toBeDefined();
    const bound = config.timeoutMs + config.openMs + config.timeoutMs + config.syncMs + 1_000;
    expect(firstLive!.at - recoveredAt).toBeLessThanOrEqual(bound);
    const tail = answers.filter((a) => a.index >= total - 100);
    expect(tail.every((a) => a.body?.mode === 'live' && a.body.personalized)).toBe(true);
  });
});
