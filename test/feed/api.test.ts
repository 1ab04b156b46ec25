// The HTTP surface: input validation, CORS for the SPA, the operator's status endpoint, config errors.
import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { DEFAULT_BREAKER_CONFIG } from '../../workers/feed/src/breaker.ts';
import type { FeedBreaker } from '../../workers/feed/src/breaker-object.ts';
import { ADMIN, call, emptyFeedCache, feed, freshUpstream, healthy } from './support.ts';

let network: MockNetwork;
beforeEach(async () => {
  await emptyFeedCache();
  network = mockNetwork();
});
afterEach(() => network.restore());

async function errorOf(response: Response) {
  expect(response.headers.get('Content-Type')).toContain('application/json');
  return ((await response.json()) as { error: { code: string; message: string; field?: string } }).error;
}

describe('input', () => {
  it.each([
    { path: '/api/feed/admin', status: 404, code: 'unknown_tab', field: 'tab' },
    { path: '/api/feed/..%2F..%2Fetc', status: 404, code: 'unknown_tab', field: 'tab' },
    { path: '/api/feed/home?user=', status: 400, code: 'invalid_user', field: 'user' },
    { path: '/api/feed/home?user=a%2Fb', status: 400, code: 'invalid_user', field: 'user' },
    { path: `/api/feed/home?user=${'x'.repeat(65)}`, status: 400, code: 'invalid_user', field: 'user' },
    { path: '/api/feed/home?user=a&user=b', status: 400, code: 'invalid_user', field: 'user' },
    { path: '/api/feed', status: 404, code: 'not_found', field: undefined },
  ])('$path -> $status $code', async ({ path, status, code, field }) => {
    const { env: e } = freshUpstream();
    const response = await call(e, path);
    expect(response.status).toBe(status);
    const error = await errorOf(response);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(network.requests).toHaveLength(0); // bad input never reaches the recommender
  });

  it('HEAD answers like GET, without a body', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    const response = await call(e, '/api/feed/home', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Feed-Mode')).toBe('live');
    expect(await response.text()).toBe('');
  });

  it('decodes like the URL parser: an encoded user or tab is the same request', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    const plain = await feed(e, '/api/feed/home?user=alice');
    const encoded = await feed(e, '/api/feed/h%6Fme?user=al%69ce&x=1');
    expect(encoded.body).toEqual(plain.body);
    const bare = await call(e, '/api/feed/home?user');
    expect(bare.status).toBe(400);
  });

  it('other methods on a tab answer 405 with Allow', async () => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/home', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, HEAD');
    expect((await errorOf(response)).code).toBe('method_not_allowed');
  });

  it('a misconfigured deployment fails loudly, naming the var', async () => {
    const { env: e } = freshUpstream({ BREAKER_FAILURE_RATE: 'half' });
    const response = await call(e, '/api/feed/home');
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('BREAKER_FAILURE_RATE');
  });
});

describe('CORS for the SPA', () => {
  it('allows the configured origins, with the feed headers exposed', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    const response = await call(e, '/api/feed/home', { headers: { Origin: 'http://localhost:8788' } });
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:8788');
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('X-Feed-Mode');
    expect(response.headers.get('Vary')).toContain('Origin');
  });

  it('GET (answered before Hono) carries the same CORS headers as HEAD (through hono/cors)', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    const cases: Record<string, string>[] = [{}, { Origin: 'http://localhost:8788' }, { Origin: 'https://evil.example' }];
    for (const headers of cases) {
      const cors = (r: Response) =>
        ['Access-Control-Allow-Origin', 'Access-Control-Expose-Headers', 'Vary'].map((name) => r.headers.get(name));
      const get = await call(e, '/api/feed/home', { headers });
      const head = await call(e, '/api/feed/home', { method: 'HEAD', headers });
      expect(cors(get)).toEqual(cors(head));
      expect(get.headers.get('Vary')).toBe('Origin');
    }
  });

  it('grants CORS on error answers too, so the SPA can read them', async () => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/nope', { headers: { Origin: 'http://localhost:8787' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:8787');
    expect(response.headers.get('Vary')).toBe('Origin');
  });

  it('gives no CORS grant to other origins', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    const response = await call(e, '/api/feed/home', { headers: { Origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers the preflight', async () => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/home', {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:8787', 'Access-Control-Request-Method': 'GET' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:8787');
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('GET');
  });
});

describe('/api/feed/_status', () => {
  it.each([
    { name: 'no token', headers: {} as Record<string, string>, challenge: 'Bearer' },
    { name: 'wrong token', headers: { Authorization: 'Bearer nope' }, challenge: 'Bearer error="invalid_token"' },
    { name: 'not a bearer', headers: { Authorization: 'Basic dGVzdDp0ZXN0' }, challenge: 'Bearer' },
  ])('$name -> 401', async ({ headers, challenge }) => {
    const { env: e } = freshUpstream();
    for (const method of ['GET', 'POST']) {
      const response = await call(e, '/api/feed/_status', { method, headers, body: method === 'POST' ? '{"mode":"open"}' : undefined });
      expect(response.status).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toBe(challenge);
    }
  });

  it('no ADMIN_TOKEN configured: nobody gets in', async () => {
    const { env: e } = freshUpstream();
    const response = await call({ ...e, ADMIN_TOKEN: '' }, '/api/feed/_status', { headers: { Authorization: 'Bearer anything' } });
    expect(response.status).toBe(401);
  });

  it('a Bearer header without one token is a malformed request (RFC 6750 §3.1), a body not sent as JSON a 415', async () => {
    const { env: e } = freshUpstream();
    const malformed = await call(e, '/api/feed/_status', { headers: { Authorization: 'Bearer ' } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_request"');
    const form = await call(e, '/api/feed/_status', { method: 'POST', headers: ADMIN, body: 'mode=open' });
    expect(form.status).toBe(415);
    expect((await errorOf(form)).field).toBe('Content-Type');
  });

  it('accepts each token of a comma-separated ADMIN_TOKEN (rotation), and only those', async () => {
    const { env: e } = freshUpstream();
    const rotating = { ...e, ADMIN_TOKEN: 'new-token, old-token' };
    for (const [token, status] of [
      ['new-token', 200],
      ['old-token', 200],
      ['new-token, old-token', 400], // the whole list as one header is a malformed request
      ['other', 401],
    ] as const) {
      const response = await call(rotating, '/api/feed/_status', { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status, token).toBe(status);
    }
  });

  it('shows the breaker and the tiers, and lets an operator force it open, closed and back to auto', async () => {
    const { origin, env: e } = freshUpstream();
    network.on('GET', (u) => u.origin === origin, healthy);
    await feed(e, '/api/feed/home'); // live, caches home

    let response = await call(e, '/api/feed/_status', { headers: ADMIN });
    expect(response.status).toBe(200);
    const status = (await response.json()) as {
      upstream: string;
      breaker: { status: string; forced: null; window: { calls: number } };
      tiers: { tab: string; cache: { ageSeconds: number } | null; baked: { ageSeconds: number } }[];
    };
    expect(status.upstream).toBe(origin);
    expect(status.breaker).toMatchObject({ status: 'closed', forced: null, window: { calls: 1 } });
    expect(status.tiers.map((t) => t.tab)).toEqual(['home', 'trending', 'new']);
    expect(status.tiers[0]?.cache?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(status.tiers[1]?.cache).toBeNull();
    expect(status.tiers[1]?.baked.ageSeconds).toBeGreaterThan(0);

    const force = (mode: string) =>
      call(e, '/api/feed/_status', {
        method: 'POST',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ mode }),
      });

    response = await force('open');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ mode: 'open', shared: true, breaker: { forced: 'open' } });
    const calls = network.requests.length;
    expect((await feed(e, '/api/feed/home?user=a')).body).toMatchObject({ mode: 'degraded', reason: 'forced-open', source: 'cache' });
    expect(network.requests.length).toBe(calls);

    expect((await force('closed')).status).toBe(200);
    expect((await feed(e, '/api/feed/home?user=a')).body.mode).toBe('live');

    expect(await (await force('auto')).json()).toMatchObject({ breaker: { status: 'closed', forced: null } });
  });

  it.each([
    { body: 'not json', code: 'invalid_json' },
    { body: '{"mode":"sideways"}', code: 'invalid_body' },
    { body: '{"mode":"open","extra":1}', code: 'invalid_body' },
    { body: '[]', code: 'invalid_body' },
  ])('POST $body -> 400 $code', async ({ body, code }) => {
    const { env: e } = freshUpstream();
    const response = await call(e, '/api/feed/_status', {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(code);
  });
});

describe('FeedBreaker Durable Object', () => {
  it('hands out half-open probe slots once across all callers', async () => {
    const config = { ...DEFAULT_BREAKER_CONFIG, openMs: 0, halfOpenProbes: 2 };
    const upstream = `probe-slots-${Date.now()}`;
    const stub = env.BREAKER.get(env.BREAKER.idFromName(upstream));
    const failures = Array.from({ length: 10 }, () => ({ at: Date.now(), failed: true, durationMs: 5 }));
    expect((await stub.sync(upstream, failures, config)).status).toBe('open');
    // Many isolates asking at once: exactly two get a slot.
    const answers = await Promise.all(Array.from({ length: 6 }, () => stub.acquireProbe(upstream, config)));
    expect(answers.filter((a) => a.granted)).toHaveLength(2);
    // The state survives in storage (the Durable Object is SQLite-backed).
    const stored = await runInDurableObject(stub, (_instance: FeedBreaker, state) => state.storage.get<{ status: string }>('state'));
    expect(stored?.status).toBe('half-open');
  });
});
