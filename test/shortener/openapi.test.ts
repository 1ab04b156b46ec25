// The OpenAPI document: generated from the routes and their zod schemas, it names every route of
// the API, and every error it documents is one a client can really get (each is reached here).
import { SELF, createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { publicApp } from '../../workers/shortener/src/app.ts';
import worker from '../../workers/shortener/src/index.ts';
import { BASE, api } from './client.ts';
import { tokens } from './tokens.ts';

const [T = '', EXHAUSTED = ''] = tokens(72, 2);

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let doc: Document;
let live = '';
let gone = '';
let frozen = '';

beforeAll(async () => {
  const res = await SELF.fetch(`${BASE}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json<Document>();
  const create = async (body: object) => (await (await api(T, 'POST', '/api/links', body)).json<{ code: string }>()).code;
  live = await create({ url: 'https://example.com/doc-live' });
  gone = await create({ url: 'https://example.com/doc-gone' });
  frozen = await create({ url: 'https://example.com/doc-frozen', immutable: true });
  await api(T, 'DELETE', `/api/links/${gone}`);
});

/** Failing bindings, for the outages a route documents. */
const throwing = () => {
  throw new Error('unreachable');
};
const noAuthority = new Proxy(env.LINK_AUTHORITY, {
  get(target, prop) {
    if (prop === 'get') return throwing;
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === 'function' ? value.bind(target) : value;
  },
});
const noDatabase = { prepare: throwing, batch: () => Promise.reject(new Error('D1_ERROR: unavailable')) } as unknown as D1Database;

function request(method: string, path: string, init: { token?: string | null; body?: string; type?: string } = {}): Request {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? T}`;
  if (init.body !== undefined) headers['Content-Type'] = init.type ?? 'application/json';
  return new Request(`${BASE}${path}`, { method, headers, ...(init.body !== undefined && { body: init.body }) });
}
const send = async (r: Request, overrides: Partial<ShortenerEnv> = {}): Promise<Response> =>
  worker.fetch(r, { ...env, ...overrides }, createExecutionContext());

/** Spends the token's budget until the limiter refuses it, so the next request answers 429. */
async function exhaust(): Promise<void> {
  for (let i = 0; i < 200; i++) if ((await send(request('GET', '/api/links?limit=0', { token: EXHAUSTED }))).status === 429) return;
  throw new Error('the rate limiter never refused');
}

const json = (value: unknown) => JSON.stringify(value);
const big = (n: number) => 'x'.repeat(n);

/** A request that answers each documented error of each operation (`METHOD /path status`). */
const TRIGGERS: Record<string, () => Promise<Response>> = {
  'POST /api/links 400': () => send(request('POST', '/api/links', { body: json({ url: 'ftp://example.com/' }) })),
  'POST /api/links 409': () => send(request('POST', '/api/links', { body: json({ url: 'https://example.com/', slug: live }) })),
  'POST /api/links 413': () => send(request('POST', '/api/links', { body: json({ url: 'https://example.com/', title: big(20_000) }) })),
  'POST /api/links 415': () =>
    send(request('POST', '/api/links', { body: 'url=https://example.com/', type: 'application/x-www-form-urlencoded' })),
  'POST /api/links 422': async () => {
    const keyed = (url: string) => {
      const r = request('POST', '/api/links', { body: json({ url }) });
      r.headers.set('Idempotency-Key', 'doc-reused-key');
      return r;
    };
    await send(keyed('https://example.com/first'));
    return send(keyed('https://example.com/second'));
  },
  'POST /api/links 503': () =>
    send(request('POST', '/api/links', { body: json({ url: 'https://example.com/' }) }), { LINK_AUTHORITY: noAuthority }),
  'POST /api/links/bulk 400': () => send(request('POST', '/api/links/bulk', { body: json({ links: [] }) })),
  'POST /api/links/bulk 413': () => send(request('POST', '/api/links/bulk', { body: json({ links: [big(2_000_000)] }) })),
  'POST /api/links/bulk 415': () => send(request('POST', '/api/links/bulk', { body: 'links', type: 'text/plain' })),
  'GET /api/links 400': () => send(request('GET', '/api/links?limit=1000')),
  'GET /api/links 503': () => send(request('GET', '/api/links'), { LINK_STATS: noDatabase }),
  'GET /api/links.csv 400': () => send(request('GET', '/api/links.csv?limit=5')),
  'GET /api/links.csv 503': () => send(request('GET', '/api/links.csv'), { LINK_STATS: noDatabase }),
  'POST /api/links.csv 400': () => send(request('POST', '/api/links.csv', { body: 'slug\nabc\n', type: 'text/csv' })),
  'POST /api/links.csv 413': () => send(request('POST', '/api/links.csv', { body: `url\n${big(1_100_000)}\n`, type: 'text/csv' })),
  'POST /api/links.csv 415': () => send(request('POST', '/api/links.csv', { body: 'url\n', type: 'application/json' })),
  'GET /api/links/{code} 400': () => send(request('GET', '/api/links/bad%20code')),
  'GET /api/links/{code} 404': () => send(request('GET', '/api/links/nobody-owns-this')),
  'GET /api/links/{code} 410': () => send(request('GET', `/api/links/${gone}`)),
  'GET /api/links/{code} 503': () => send(request('GET', `/api/links/${live}`), { LINK_AUTHORITY: noAuthority }),
  'PATCH /api/links/{code} 400': () => send(request('PATCH', `/api/links/${live}`, { body: json({}) })),
  'PATCH /api/links/{code} 404': () => send(request('PATCH', '/api/links/nobody-owns-this', { body: json({ title: 'x' }) })),
  'PATCH /api/links/{code} 409': () =>
    send(request('PATCH', `/api/links/${frozen}`, { body: json({ url: 'https://example.com/elsewhere' }) })),
  'PATCH /api/links/{code} 410': () => send(request('PATCH', `/api/links/${gone}`, { body: json({ title: 'x' }) })),
  'PATCH /api/links/{code} 413': () => send(request('PATCH', `/api/links/${live}`, { body: json({ title: big(20_000) }) })),
  'PATCH /api/links/{code} 415': () => send(request('PATCH', `/api/links/${live}`, { body: 'title=x', type: 'text/plain' })),
  'PATCH /api/links/{code} 503': () =>
    send(request('PATCH', `/api/links/${live}`, { body: json({ title: 'x' }) }), { LINK_AUTHORITY: noAuthority }),
  'DELETE /api/links/{code} 400': () => send(request('DELETE', '/api/links/bad%20code')),
  'DELETE /api/links/{code} 404': () => send(request('DELETE', '/api/links/nobody-owns-this')),
  'DELETE /api/links/{code} 503': () => send(request('DELETE', `/api/links/${live}`), { LINK_AUTHORITY: noAuthority }),
  'GET /api/links/{code}/clicks 400': () => send(request('GET', `/api/links/${live}/clicks?bucket=week`)),
  'GET /api/links/{code}/clicks 404': () => send(request('GET', '/api/links/nobody-owns-this/clicks')),
  'GET /api/links/{code}/clicks 503': () => send(request('GET', `/api/links/${live}/clicks`), { LINK_STATS: noDatabase }),
  'GET /api/links/{code}/qr 400': () => send(request('GET', `/api/links/${live}/qr?format=jpeg`)),
  'GET /api/links/{code}/qr 404': () => send(request('GET', '/api/links/nobody-owns-this/qr')),
  'GET /api/links/{code}/qr 410': () => send(request('GET', `/api/links/${gone}/qr`)),
  'GET /api/links/{code}/qr 503': () => send(request('GET', `/api/links/${live}/qr`), { LINK_AUTHORITY: noAuthority }),
};

/** Errors every guarded route documents, reached the same way on each. */
function guardedTrigger(method: string, path: string, status: string): (() => Promise<Response>) | undefined {
  const concrete = path.replace('{code}', live);
  if (status === '401') return () => send(request(method, concrete, { token: null }));
  if (status === '429') {
    return async () => {
      await exhaust();
      return send(request(method, concrete, { token: EXHAUSTED }));
    };
  }
  return undefined;
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document, served without a token, with a rendered reference page', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const page = await SELF.fetch(`${BASE}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toContain('text/html');
    expect(await page.text()).toContain('/api/openapi.json');
  });

  it('names every route of the API with its method', () => {
    const routes = publicApp.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(routes)).toEqual(new Set(documented));
    expect(routes.length).toBeGreaterThanOrEqual(12);
  });

  it('documents request bodies and query strings from the validating schemas', () => {
    const create = doc.paths['/api/links']?.post;
    const schema = (
      create!.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }
    ).content['application/json']?.schema;
    expect(Object.keys(schema?.properties ?? {})).toEqual(expect.arrayContaining(['url', 'slug', 'rules', 'preview']));
    expect(schema?.required).toEqual(['url']);
    expect(doc.paths['/api/links']?.get?.parameters?.map((p) => p.name)).toEqual(['q', 'cursor', 'limit']);
  });

  it('documents only errors a client can get: each one is reached', async () => {
    const reached: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const status of Object.keys(op.responses).filter((s) => Number(s) >= 400)) {
          const key = `${method.toUpperCase()} ${path} ${status}`;
          const trigger = TRIGGERS[key] ?? guardedTrigger(method.toUpperCase(), path, status);
          expect(trigger, `no request reaches ${key}`).toBeDefined();
          const res = await trigger!();
          expect(res.status, key).toBe(Number(status));
          if (res.status !== 204) expect((await res.json<{ error: { code: string } }>()).error.code, key).toBeTruthy();
          reached.push(key);
        }
      }
    }
    expect(reached.length).toBeGreaterThan(40);
    expect(Object.keys(TRIGGERS).filter((key) => !reached.includes(key))).toEqual([]);
  });
});
