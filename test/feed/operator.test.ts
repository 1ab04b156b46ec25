// The operator side: answers and outcomes counted through the real local queue into the real D1,
// the breaker's timeline kept by its Durable Object, GET /api/feed/_stats in the shared shape, the
// OperatorApi entrypoint (no token, X-Operator in the logs), the OpenAPI document, and lost events
// that cost no request.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { totals } from '../../shared/events/query.ts';
import { breakerStats, type BreakerStats } from '../../shared/operator/breaker.ts';
import { rangeWindow } from '../../shared/operator/common.ts';
import { DEFAULT_BREAKER_CONFIG } from '../../workers/feed/src/breaker.ts';
import { TIMELINE_LIMIT } from '../../workers/feed/src/breaker-object.ts';
import { BREAKER_STREAM } from '../../workers/feed/src/events.ts';
import { OperatorApi } from '../../workers/feed/src/index.ts';
import { ADMIN, call, feed, freshUpstream, healthy, networkPerTest } from './support.ts';

const net = networkPerTest();

const force = (e: FeedEnv, mode: string) =>
  call(e, '/api/feed/_status', {
    method: 'POST',
    headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode }),
  });

async function stats(e: FeedEnv, query = ''): Promise<BreakerStats> {
  const response = await call(e, `/api/feed/_stats${query}`, { headers: ADMIN });
  expect(response.status).toBe(200);
  // The answer is exactly the shared contract the console parses.
  return breakerStats.parse(await response.json());
}

/** Waits until the rolled-up counts of `upstream` reach `expected` (the queue delivers in the background). */
async function countsReach(upstream: string, expected: Record<string, number>) {
  const dims = Object.keys(expected);
  await vi.waitUntil(
    async () => {
      const sums = await totals(env.EVENTS_DB, { stream: BREAKER_STREAM, key: upstream, dims });
      return dims.every((d) => sums[d] === expected[d]);
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('counting answers and outcomes', () => {
  it('a failing recommender: failures, the trip and degraded answers reach the stats; the timeline says why', async () => {
    const { origin, env: e } = freshUpstream();
    net().on(
      'GET',
      (u) => u.origin === origin,
      () => new Response('boom', { status: 500 }),
    );
    for (let i = 0; i < 15; i++) expect((await feed(e, `/api/feed/home?user=u${i}`)).body.mode).toBe('degraded');
    // Ten failed calls (the minimum), then the breaker opened; all fifteen answers were degraded.
    await countsReach(origin, { failure: 10, trip: 1, degraded: 15, live: 0 });

    const body = await stats(e);
    expect(body.bucket).toBe('hour');
    const [upstream] = body.upstreams;
    expect(upstream).toMatchObject({ upstream: origin, state: 'open', forced: null, degradedShare: 1, trips: 1 });
    // The window is emptied when the breaker opens: no rates to judge.
    expect(upstream?.window).toEqual({ calls: 0, failureRate: null, slowCallRate: null });
    expect(upstream?.timeline).toEqual([{ at: expect.any(String), from: 'closed', to: 'open', reason: 'failure-rate' }]);
    const sums = upstream!.series.reduce((s, p) => ({ failures: s.failures + p.failures, degraded: s.degraded + p.degraded }), {
      failures: 0,
      degraded: 0,
    });
    expect(sums).toEqual({ failures: 10, degraded: 15 });
  });

  it('a healthy recommender: live answers, and the current window with its rates', async () => {
    const { origin, env: e } = freshUpstream({ BREAKER_MIN_CALLS: '2' });
    net().on('GET', (u) => u.origin === origin, healthy);
    for (let i = 0; i < 3; i++) expect((await feed(e, `/api/feed/home?user=u${i}`)).body.mode).toBe('live');
    await countsReach(origin, { live: 3, degraded: 0, failure: 0 });
    const [upstream] = (await stats(e, '?range=7d&bucket=day')).upstreams;
    expect(upstream).toMatchObject({ state: 'closed', degradedShare: 0, trips: 0, timeline: [] });
    // Three personalised calls and the one anonymous refresh for the cache.
    expect(upstream?.window).toEqual({ calls: 4, failureRate: 0, slowCallRate: 0 });
    // The UTC days the range touches: 8, or 7 when its end (now, rounded up to the hour) is midnight.
    const { from, to } = rangeWindow('7d');
    const day = 86_400_000;
    expect(upstream?.series).toHaveLength(Math.ceil((to - Math.floor(from / day) * day) / day));
  });

  it('lost events are counted, never a failed request', async () => {
    const { origin, env: base } = freshUpstream();
    net().on('GET', (u) => u.origin === origin, healthy);
    // The real queue, made to refuse every send (a full queue, a binding in trouble).
    const refusing: Queue = Object.assign(Object.create(env.EVENTS) as Queue, {
      sendBatch: () => Promise.reject(new Error('Queue is full')),
      send: () => Promise.reject(new Error('Queue is full')),
    });
    const e = { ...base, EVENTS: refusing } as FeedEnv;
    for (let i = 0; i < 3; i++) expect((await feed(e, `/api/feed/home?user=u${i}`)).response.status).toBe(200);
    const status = (await (await call(e, '/api/feed/_status', { headers: ADMIN })).json()) as { isolate: { events: { lost: number } } };
    expect(status.isolate.events.lost).toBeGreaterThan(0);
  });
});

describe('the timeline', () => {
  it('records an operator forcing the breaker, and auto', async () => {
    const { env: e, origin } = freshUpstream();
    expect((await force(e, 'open')).status).toBe(200);
    expect((await force(e, 'auto')).status).toBe(200);
    const [upstream] = (await stats(e)).upstreams;
    expect(upstream?.upstream).toBe(origin);
    expect(upstream?.timeline.map(({ from, to, reason }) => ({ from, to, reason }))).toEqual([
      { from: 'closed', to: 'open', reason: 'forced-open' },
      { from: 'open', to: 'closed', reason: 'auto' },
    ]);
    expect(upstream?.trips).toBe(0); // an operator's force is not a trip
  });

  it(`keeps the last ${TIMELINE_LIMIT} transitions`, async () => {
    const upstream = `timeline-${crypto.randomUUID()}`;
    const stub = env.BREAKER.get(env.BREAKER.idFromName(upstream));
    for (let i = 0; i < TIMELINE_LIMIT + 4; i++) await stub.force(upstream, i % 2 ? 'auto' : 'open', DEFAULT_BREAKER_CONFIG);
    const { timeline } = await stub.report(0);
    expect(timeline).toHaveLength(TIMELINE_LIMIT);
    expect(timeline.at(-1)?.reason).toBe('auto');
  });
});

describe('GET /api/feed/_stats', () => {
  it.each([
    ['', 401],
    ['Bearer wrong', 401],
  ])('with Authorization %j answers %i', async (authorization, status) => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/_stats', { headers: authorization ? { Authorization: authorization } : {} });
    expect(response.status).toBe(status);
  });

  it.each([
    ['?range=1y', 'range'],
    ['?bucket=minute', 'bucket'],
  ])('%s is a 400 naming %s', async (query, field) => {
    const { env: e } = freshUpstream();
    const response = await call(e, `/api/feed/_stats${query}`, { headers: ADMIN });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe(field);
  });

  it('other methods answer 405', async () => {
    const { env: e } = freshUpstream();
    expect((await call(e, '/api/feed/_stats', { method: 'DELETE', headers: ADMIN })).status).toBe(405);
  });
});

describe('the OperatorApi entrypoint', () => {
  const operatorApi = (e: FeedEnv) => {
    const ctx = createExecutionContext();
    return { api: new OperatorApi(ctx, e), ctx };
  };

  it('serves the operator routes without a token, and logs who forced the breaker', async () => {
    const { env: e } = freshUpstream();
    const warn = vi.spyOn(console, 'warn');
    const { api, ctx } = operatorApi(e);
    const forced = await api.fetch(
      new Request('http://feed/api/feed/_status', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Operator': 'ops@example.com' },
        body: JSON.stringify({ mode: 'open' }),
      }),
    );
    expect(forced.status).toBe(200);
    expect(warn.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ event: 'feed.breaker.forced', mode: 'open', operator: 'ops@example.com' }),
    );
    const body = breakerStats.parse(await (await api.fetch(new Request('http://feed/api/feed/_stats'))).json());
    expect(body.upstreams[0]).toMatchObject({ state: 'open', forced: 'open' });
    await waitOnExecutionContext(ctx);
  });

  it('serves nothing else: the feed itself is the public worker’s', async () => {
    const { env: e } = freshUpstream();
    const { api } = operatorApi(e);
    expect((await api.fetch(new Request('http://feed/api/feed/home'))).status).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('describes the feed, _status and _stats from their zod schemas (OpenAPI 3.1)', async () => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/_openapi.json');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/feed/_stats', '/api/feed/_status', '/api/feed/{tab}']);
    const statsSchema = doc.paths['/api/feed/_stats']?.get?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(statsSchema.properties)).toEqual(['bucket', 'from', 'to', 'upstreams']);
    const feedSchema = doc.paths['/api/feed/{tab}']?.get?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, unknown>;
    };
    expect(feedSchema.properties).toHaveProperty('mode');
    const { api } = { api: new OperatorApi(createExecutionContext(), e) };
    expect(await (await api.fetch(new Request('http://feed/api/feed/_openapi.json'))).json()).toEqual(doc);
  });
});
