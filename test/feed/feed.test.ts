// The feed worker in workerd with real local KV and the real FeedBreaker Durable Object; the
// recommender is mocked at the network and any request nobody declared fails the test.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { FeedCache } from '../../workers/feed/src/tiers.ts';
import {
  advanceClock,
  call,
  feed,
  freshUpstream,
  hanging,
  healthy,
  networkPerTest,
  newIsolate,
  recommenderFeed,
  runCron,
} from './support.ts';

const net = networkPerTest();

/** Requests the worker sent to this upstream (probes and cache refreshes included). */
const upstreamCalls = (origin: string) => net().requests.filter((r) => r.url.startsWith(origin)).length;

describe('recommender healthy', () => {
  it('answers live and personalised per user, and caches only the anonymous feed', async () => {
    const { origin, env: e } = freshUpstream();
    net().on('GET', (u) => u.origin === origin, healthy);

    const a = await feed(e, '/api/feed/home?user=alice');
    const b = await feed(e, '/api/feed/home?user=bob');
    expect(a.body).toMatchObject({ mode: 'live', source: 'recommender', personalized: true, ageSeconds: 0, tab: 'home' });
    expect(a.body.items).toEqual(recommenderFeed('home', 'alice').items);
    expect(b.body.items).toEqual(recommenderFeed('home', 'bob').items);
    expect(a.response.headers.get('Cache-Control')).toBe('private, no-store');

    // The live answer triggered (throttled) one refresh of the anonymous feed for the KV tier.
    const stored = await env.FEED_CACHE.get<{ items: unknown[] }>(FeedCache.key('home'), 'json');
    expect(stored?.items).toEqual(recommenderFeed('home', null).items);
    expect(net().requests.map((r) => new URL(r.url).search)).toEqual(['?user=alice', '', '?user=bob']);
  });

  it('an anonymous request answers the anonymous feed and stores it as the degraded feed', async () => {
    const { origin, env: e } = freshUpstream();
    net().on('GET', (u) => u.origin === origin, healthy);
    const { body } = await feed(e, '/api/feed/trending');
    expect(body).toMatchObject({ mode: 'live', personalized: false, items: recommenderFeed('trending', null).items });
    expect(upstreamCalls(origin)).toBe(1);
    const stored = await env.FEED_CACHE.get<{ items: unknown[] }>(FeedCache.key('trending'), 'json');
    expect(stored?.items).toEqual(recommenderFeed('trending', null).items);
  });

  it('the cron refreshes every tab from the anonymous feed', async () => {
    const { origin, env: e } = freshUpstream();
    net().on('GET', (u) => u.origin === origin && !u.searchParams.has('user'), healthy);
    await runCron(e);
    for (const tab of ['home', 'trending', 'new']) {
      const stored = await env.FEED_CACHE.get<{ items: unknown[] }>(FeedCache.key(tab), 'json');
      expect(stored?.items).toEqual(recommenderFeed(tab, null).items);
    }
  });
  it('the cron leaves an open breaker alone (and the cached feed as it is)', async () => {
    const { env: e } = freshUpstream();
    const forced = await call(e, '/api/feed/_status', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'open' }),
    });
    expect(forced.status).toBe(200);
    await runCron(e);
    expect(net().requests).toHaveLength(0);
    expect((await env.FEED_CACHE.list()).keys).toHaveLength(0);
  });
});

describe('recommender failing', () => {
  const failures = [
    { name: 'down (500)', handler: () => new Response('boom', { status: 500 }), reason: 'upstream-status' },
    { name: 'unreachable', handler: () => Promise.reject(new TypeError('connection refused')), reason: 'upstream-error' },
    { name: 'hanging', handler: hanging, reason: 'upstream-timeout' },
    { name: 'answering garbage', handler: () => new Response('<html>', { status: 200 }), reason: 'upstream-bad-body' },
  ];

  it.each(failures)('$name: every request answers 200 degraded; once open, none reaches it', async ({ handler, reason }) => {
    const { origin, env: e } = freshUpstream();
    net().on('GET', (u) => u.origin === origin, handler);
    const reasons: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { body, response } = await feed(e, `/api/feed/home?user=u${i}`);
      expect(body).toMatchObject({ mode: 'degraded', personalized: false, source: 'baked' });
      expect(response.headers.get('Age')).toBe(String(body.ageSeconds));
      reasons.push(body.reason ?? '');
    }
    // Minimum calls is 10: ten calls fail, the breaker opens, and nobody calls (or waits) again.
    expect(reasons.slice(0, 10)).toEqual(Array(10).fill(reason));
    expect(reasons.slice(10)).toEqual(Array(20).fill('breaker-open'));
    expect(upstreamCalls(origin)).toBe(10);
  });

  it('slow but under the timeout: live answers until the slow-call rate opens the breaker', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_TIMEOUT_MS: '1000', BREAKER_SLOW_CALL_MS: '20' });
    net().on(
      'GET',
      (u) => u.origin === origin,
      (request) => {
        advanceClock(30); // the call takes 30 ms by the worker's clock
        return healthy(request);
      },
    );
    const modes: string[] = [];
    for (let i = 0; i < 14; i++) modes.push((await feed(e, `/api/feed/new?user=u${i}`)).body.mode);
    // Each live answer also refreshed the cache once (throttled), which counts as a slow call too.
    const live = modes.filter((m) => m === 'live').length;
    expect(live).toBeGreaterThanOrEqual(9);
    expect(live).toBeLessThanOrEqual(10);
    expect(modes.slice(live)).toEqual(Array(14 - live).fill('degraded'));
  });

  it('flapping (every other call fails): 200 for everyone, then degraded once the rate trips', async () => {
    const { origin, env: e } = freshUpstream({ CACHE_WRITE_EVERY_S: '3600' });
    let n = 0;
    net().on(
      'GET',
      (u) => u.origin === origin,
      (request) => (n++ % 2 ? new Response('flap', { status: 503 }) : healthy(request)),
    );
    const bodies = [];
    for (let i = 0; i < 30; i++) bodies.push((await feed(e, '/api/feed/home')).body);
    expect(bodies.filter((b) => b.reason === 'breaker-open').length).toBeGreaterThan(0);
    // 50% failures opens at the minimum calls: 10 calls, never more.
    expect(upstreamCalls(origin)).toBe(10);
    // The live answers before the trip were the anonymous feed, and it was cached: degraded answers use it.
    expect(bodies.at(-1)).toMatchObject({ mode: 'degraded', source: 'cache', items: recommenderFeed('home', null).items });
  });

  it('429 with Retry-After opens the breaker at once, until the time it names', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_OPEN_MS: '1000' });
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response('busy', { status: 429, headers: { 'Retry-After': '120' } }),
    );
    const first = await feed(e, '/api/feed/home?user=a');
    expect(first.body).toMatchObject({ mode: 'degraded', reason: 'upstream-status' });
    const second = await feed(e, '/api/feed/home?user=b');
    expect(second.body).toMatchObject({ mode: 'degraded', reason: 'breaker-open' });
    expect(upstreamCalls(origin)).toBe(1);

    const status = await call(e, '/api/feed/_status', { headers: { Authorization: 'Bearer test-admin-token' } });
    const { breaker } = (await status.json()) as { breaker: { status: string; reason: string; openUntil: string } };
    expect(breaker).toMatchObject({ status: 'open', reason: 'retry-after' });
    // Honoured: 120 s, not the breaker's own 1 s wait.
    expect(Date.parse(breaker.openUntil) - Date.now()).toBeGreaterThan(100_000);
  });

  it('a 4xx from the recommender is answered degraded but does not count against it', async () => {
    const { origin, env: e } = freshUpstream();
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => Response.json({ error: 'unknown user' }, { status: 404 }),
    );
    for (let i = 0; i < 15; i++) {
      expect((await feed(e, '/api/feed/home?user=ghost')).body).toMatchObject({ mode: 'degraded', reason: 'upstream-status' });
    }
    expect(upstreamCalls(origin)).toBe(15);
  });
});

describe('degraded tiers', () => {
  it('KV empty and recommender down: the baked-in feed, with its age', async () => {
    const { origin, env: e } = freshUpstream();
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response(null, { status: 503 }),
    );
    const { body, response } = await feed(e, '/api/feed/trending?user=zoe');
    expect(body).toMatchObject({ mode: 'degraded', source: 'baked', personalized: false });
    expect(body.items.length).toBeGreaterThan(0);
    expect(String(body.items[0]?.id)).toMatch(/^baked-trending-/);
    expect(body.ageSeconds).toBeGreaterThan(0);
    expect(response.headers.get('X-Feed-Source')).toBe('baked');
  });

  it('the cached anonymous feed first, while within its maximum age; never anyone personal feed', async () => {
    const { origin, env: e } = freshUpstream();
    let up = true;
    net().on(
      'GET',
      (u) => u.origin === origin,
      (request) => (up ? healthy(request) : new Response(null, { status: 500 })),
    );
    await feed(e, '/api/feed/home?user=alice'); // live for alice; caches the anonymous feed
    up = false;
    const { body } = await feed(e, '/api/feed/home?user=bob');
    expect(body).toMatchObject({ mode: 'degraded', source: 'cache', items: recommenderFeed('home', null).items });
    expect(JSON.stringify(body)).not.toContain('alice');
    expect(body.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('a cached feed older than CACHE_MAX_AGE_S is skipped for the baked one', async () => {
    const { origin, env: e } = freshUpstream({ CACHE_MAX_AGE_S: '60' });
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response(null, { status: 500 }),
    );
    const old = { items: [{ id: 'old', title: 'old' }], storedAt: Date.now() - 61_000 };
    await env.FEED_CACHE.put(FeedCache.key('new'), JSON.stringify(old));
    expect((await feed(e, '/api/feed/new')).body).toMatchObject({ source: 'baked' });

    const other = newIsolate(e); // one that has not read the KV tier yet
    const fresh = { items: [{ id: 'fresh', title: 'fresh' }], storedAt: Date.now() - 30_000 };
    await env.FEED_CACHE.put(FeedCache.key('new'), JSON.stringify(fresh));
    const { body } = await feed(other, '/api/feed/new');
    expect(body).toMatchObject({ source: 'cache', items: fresh.items });
    expect(body.ageSeconds).toBeGreaterThanOrEqual(30);
  });
});

describe('recovery through half-open', () => {
  it('after the wait, probes go in the background (nobody waits on them); their success closes it', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_OPEN_MS: '200', BREAKER_HALF_OPEN_PROBES: '2' });
    let up = false;
    net().on(
      'GET',
      (u) => u.origin === origin,
      (request) => (up ? healthy(request) : new Response(null, { status: 500 })),
    );
    for (let i = 0; i < 10; i++) await feed(e, '/api/feed/home?user=a');
    expect((await feed(e, '/api/feed/home?user=a')).body.reason).toBe('breaker-open');

    up = true;
    advanceClock(250);
    // The request that finds the wait over is answered degraded at once; a probe runs behind it.
    const before = upstreamCalls(origin);
    const first = await feed(e, '/api/feed/home?user=a');
    expect(first.body).toMatchObject({ mode: 'degraded', reason: 'breaker-open' });
    expect(
      net()
        .requests.slice(before)
        .map((r) => new URL(r.url).search),
    ).toEqual(['']); // the anonymous probe
    // Second probe slot, then closed.
    expect((await feed(e, '/api/feed/home?user=a')).body.mode).toBe('degraded');
    const live = await feed(e, '/api/feed/home?user=a');
    expect(live.body).toMatchObject({ mode: 'live', personalized: true });
  });

  it('a failed probe reopens it for another wait', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_OPEN_MS: '200', BREAKER_HALF_OPEN_PROBES: '1' });
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response(null, { status: 500 }),
    );
    for (let i = 0; i < 10; i++) await feed(e, '/api/feed/home');
    advanceClock(250);
    const before = upstreamCalls(origin);
    await feed(e, '/api/feed/home'); // degraded now, failed probe behind it
    for (let i = 0; i < 5; i++) expect((await feed(e, '/api/feed/home')).body.reason).toBe('breaker-open');
    expect(upstreamCalls(origin)).toBe(before + 1);
  });
});

describe('the shared state in the Durable Object', () => {
  it('a trip reaches a fresh isolate through the Durable Object, without it calling the recommender', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_SYNC_MS: '50' });
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response(null, { status: 500 }),
    );
    for (let i = 0; i < 10; i++) await feed(e, '/api/feed/home');
    // A new isolate: no local copy. Its first request still uses the empty copy and refreshes it in
    // the background; from then on it follows the shared state.
    const fresh = newIsolate(e);
    const before = upstreamCalls(origin);
    await feed(fresh, '/api/feed/home');
    for (let i = 0; i < 5; i++) expect((await feed(fresh, '/api/feed/home')).body.reason).toBe('breaker-open');
    expect(upstreamCalls(origin) - before).toBeLessThanOrEqual(1);
  });

  it('the Durable Object unreachable: the isolate judges on its own and no request fails', async () => {
    const { origin, env: e } = freshUpstream();
    const unreachable = {
      idFromName: (name: string) => env.BREAKER.idFromName(name),
      get: () => ({
        sync: () => Promise.reject(new Error('Durable Object unreachable')),
        acquireProbe: () => Promise.reject(new Error('Durable Object unreachable')),
        force: () => Promise.reject(new Error('Durable Object unreachable')),
      }),
    };
    const broken = { ...e, BREAKER: unreachable } as unknown as FeedEnv;
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response(null, { status: 500 }),
    );
    const reasons = [];
    for (let i = 0; i < 15; i++) reasons.push((await feed(broken, '/api/feed/home')).body.reason);
    expect(reasons.slice(10)).toEqual(Array(5).fill('breaker-open'));
    expect(upstreamCalls(origin)).toBe(10);
  });
});
