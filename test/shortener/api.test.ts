// The links API against real local KV, Durable Objects and the rate limiter.
import { createExecutionContext, env, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { linkKey } from '../../shared/links/keys.ts';
import type { LinkRecord } from '../../shared/links/record.ts';
import worker from '../../workers/shortener/src/index.ts';
import { api, type ErrorJson, type LinkJson } from './client.ts';
import { authorityOf, failingPut, hookAuthorityKv } from './kv.ts';
import { startOfWindowIfNeeded } from '../support/ratelimit.ts';
import { tokens } from './tokens.ts';

const [A = '', B = '', C = '', D = '', E = '', F = '', G = ''] = tokens(0, 7);
const future = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function create(token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await api(token, 'POST', '/api/links', body, headers);
  return { res, json: (await res.json()) as LinkJson & ErrorJson };
}

async function kvRecord(code: string) {
  return env.LINKS.get<LinkRecord>(linkKey(code), 'json');
}

describe('POST /api/links', () => {
  it('creates a random code and writes the record to KV', async () => {
    const { res, json } = await create(A, { url: 'https://example.com/landing', title: 'Landing' });
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe(`/api/links/${json.code}`);
    expect(json.code).toMatch(/^[2-9a-km-zA-HJ-NP-Z]{8}$/);
    expect(json).toMatchObject({ url: 'https://example.com/landing', status: 301, title: 'Landing', appendQuery: true, immutable: false });
    expect(json.shortUrl).toBe(`http://localhost:8790/${json.code}`);
    expect(await kvRecord(json.code)).toMatchObject({ code: json.code, url: 'https://example.com/landing', status: 301, version: 1 });
  });

  it('takes a custom slug, status, expiry and options', async () => {
    const expiresAt = future(3600);
    const { res, json } = await create(A, {
      url: 'https://example.com/x',
      slug: 'Spring-Sale',
      status: 307,
      expiresAt,
      appendQuery: false,
      maxAge: 600,
    });
    expect(res.status).toBe(201);
    expect(json).toMatchObject({ code: 'Spring-Sale', status: 307, expiresAt, appendQuery: false, maxAge: 600 });
  });

  it('stores IDN hosts in punycode', async () => {
    const { json } = await create(A, { url: 'https://bücher.example/straße?q=1' });
    expect(json.url).toBe('https://xn--bcher-kva.example/stra%C3%9Fe?q=1');
  });

  it('answers 409 naming the slug when it is taken, case-sensitively', async () => {
    expect((await create(A, { url: 'https://example.com/1', slug: 'taken-slug' })).res.status).toBe(201);
    const again = await create(A, { url: 'https://example.com/2', slug: 'taken-slug' });
    expect(again.res.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'slug_taken', field: 'slug' });
    expect((await create(A, { url: 'https://example.com/3', slug: 'Taken-Slug' })).res.status).toBe(201);
    expect((await kvRecord('taken-slug'))?.url).toBe('https://example.com/1');
  });

  const invalid: [string, unknown, string][] = [
    ['missing url', {}, 'url'],
    ['url not a string', { url: 42 }, 'url'],
    ['javascript: URL', { url: 'javascript:alert(1)' }, 'url'],
    ['data: URL', { url: 'data:text/html,hi' }, 'url'],
    ['file: URL', { url: 'file:///etc/passwd' }, 'url'],
    ['credentials', { url: 'https://u:p@example.com/' }, 'url'],
    ['loop to the short domain', { url: 'http://localhost:8790/abc' }, 'url'],
    ['blocked host', { url: 'http://169.254.169.254/latest/meta-data' }, 'url'],
    ['blocked host with repeated trailing dots', { url: 'http://localhost../' }, 'url'],
    ['blocked metadata host with trailing dots', { url: 'http://metadata.google.internal../computeMetadata/v1/' }, 'url'],
    ['too long', { url: `https://example.com/${'a'.repeat(2100)}` }, 'url'],
    ['reserved slug', { url: 'https://example.com/', slug: 'admin' }, 'slug'],
    ['short slug', { url: 'https://example.com/', slug: 'ab' }, 'slug'],
    ['slug charset', { url: 'https://example.com/', slug: 'a/b/c' }, 'slug'],
    ['status', { url: 'https://example.com/', status: 200 }, 'status'],
    ['expiry format', { url: 'https://example.com/', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['expiry in the past', { url: 'https://example.com/', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ['title too long', { url: 'https://example.com/', title: 'x'.repeat(301) }, 'title'],
    ['maxAge', { url: 'https://example.com/', maxAge: -1 }, 'maxAge'],
    ['unknown field', { url: 'https://example.com/', expires_at: '2030-01-01T00:00:00Z' }, 'expires_at'],
    ['not an object', ['https://example.com/'], 'body'],
    ['null', null, 'body'],
  ];
  it.each(invalid)('refuses %s with a 400 naming %s', async (_name, body, field) => {
    const before = await env.LINKS.list();
    const { res, json } = await create(B, body);
    expect(res.status).toBe(400);
    expect(json.error.field).toBe(field);
    expect(json.error.issues?.map((i) => i.field)).toContain(field);
    expect((await env.LINKS.list()).keys.length).toBe(before.keys.length);
  });

  it.each([
    ['a missing field', {}, 'url', 'is required'],
    ['a number for a string', { url: 42 }, 'url', 'must be a string, not a number'],
    ['null for a string', { url: null }, 'url', 'must be a string, not null'],
    ['a string for a boolean', { url: 'https://example.com/', immutable: 'yes' }, 'immutable', 'must be a boolean, not a string'],
    ['a string for a number', { url: 'https://example.com/', maxAge: '60' }, 'maxAge', 'must be a number, not a string'],
    ['a fraction for an integer', { url: 'https://example.com/', maxAge: 1.5 }, 'maxAge', 'must be an integer'],
    ['an array for an object', [], 'body', 'must be an object, not an array'],
  ])('words the real reason for %s', async (_name, body, field, message) => {
    const { res, json } = await create(B, body);
    expect(res.status).toBe(400);
    expect(json.error).toMatchObject({ code: 'invalid_input', field, message: `${field}: ${message}` });
  });

  it('refuses malformed JSON, a wrong media type and an oversized body, naming them', async () => {
    const broken = await api(B, 'POST', '/api/links', '{"url": ');
    expect(broken.status).toBe(400);
    expect((await broken.json<ErrorJson>()).error).toMatchObject({ code: 'invalid_json', field: 'body' });
    const form = await api(B, 'POST', '/api/links', 'url=https://e.com', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await form.json<ErrorJson>()).error.field).toBe('Content-Type');
    const huge = await api(B, 'POST', '/api/links', JSON.stringify({ url: 'https://example.com/', title: 'x'.repeat(20_000) }));
    expect(huge.status).toBe(413);
    expect((await huge.json<ErrorJson>()).error.field).toBe('body');
  });
});

describe('auth', () => {
  // RFC 6750 §3.1: no credentials (no header, another scheme) get a bare challenge; a token we do
  // not accept gets `invalid_token`; a Bearer header without one token is a malformed request.
  it.each([
    ['no header', {}, 401, 'unauthorized', 'Bearer'],
    ['basic auth', { Authorization: 'Basic dGVzdDp0ZXN0' }, 401, 'unauthorized', 'Bearer'],
    ['wrong token', { Authorization: 'Bearer not-a-token' }, 401, 'unauthorized', 'Bearer error="invalid_token"'],
    ['prefix of a token', { Authorization: 'Bearer test-token' }, 401, 'unauthorized', 'Bearer error="invalid_token"'],
    ['empty bearer', { Authorization: 'Bearer ' }, 400, 'invalid_request', 'Bearer error="invalid_request"'],
    ['two tokens', { Authorization: 'Bearer dev-token other' }, 400, 'invalid_request', 'Bearer error="invalid_request"'],
  ])('answers %s with %i and writes nothing', async (_name, headers, status, code, challenge) => {
    const before = (await env.LINKS.list()).keys.length;
    const res = await api(null, 'POST', '/api/links', { url: 'https://example.com/', slug: 'never-written' }, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('WWW-Authenticate')).toBe(challenge);
    expect((await res.json<ErrorJson>()).error).toMatchObject({ code, field: 'Authorization' });
    expect((await env.LINKS.list()).keys.length).toBe(before);
    expect(await kvRecord('never-written')).toBeNull();
  });

  it('guards reads, changes and deletes too', async () => {
    for (const [method, path] of [
      ['GET', '/api/links'],
      ['GET', '/api/links/abc'],
      ['PATCH', '/api/links/abc'],
      ['DELETE', '/api/links/abc'],
    ] as const) {
      expect((await api(null, method, path)).status).toBe(401);
    }
  });

  it('accepts dev-token, as npm start does', async () => {
    expect((await create('dev-token', { url: 'https://example.com/dev' })).res.status).toBe(201);
  });
});

describe('GET, PATCH, DELETE /api/links/:code', () => {
  it('reads a link with its click counts', async () => {
    const { json: link } = await create(C, { url: 'https://example.com/read' });
    const res = await api(C, 'GET', `/api/links/${link.code}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      code: link.code,
      url: 'https://example.com/read',
      clicks: { human: 0, head: 0, preview: 0, scanner: 0, bot: 0 },
    });
    expect((await api(C, 'GET', '/api/links/nope-nope')).status).toBe(404);
    expect((await api(C, 'GET', '/api/links/bad%20code')).status).toBe(400);
  });

  it('changes destination, status and expiry, and KV follows', async () => {
    const { json: link } = await create(C, { url: 'https://example.com/old', title: 'T' });
    const expiresAt = future(7200);
    const res = await api(C, 'PATCH', `/api/links/${link.code}`, { url: 'https://example.com/new', status: 302, expiresAt, title: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ url: 'https://example.com/new', status: 302, expiresAt, title: null });
    expect(await kvRecord(link.code)).toMatchObject({ url: 'https://example.com/new', status: 302, expiresAt, version: 2 });
    const cleared = await api(C, 'PATCH', `/api/links/${link.code}`, { expiresAt: null });
    expect((await cleared.json<LinkJson>()).expiresAt).toBeNull();
  });

  it('validates changes like creates', async () => {
    const { json: link } = await create(C, { url: 'https://example.com/v' });
    for (const [body, field] of [
      [{ url: 'javascript:x' }, 'url'],
      [{ status: 303 }, 'status'],
      [{ code: 'x' }, 'code'],
      [{}, 'body'],
    ] as const) {
      const res = await api(C, 'PATCH', `/api/links/${link.code}`, body);
      expect(res.status).toBe(400);
      expect((await res.json<ErrorJson>()).error.field).toBe(field);
    }
    expect((await api(C, 'PATCH', '/api/links/missing-code', { title: 'x' })).status).toBe(404);
  });

  it('keeps an immutable link on its destination', async () => {
    const { json: link } = await create(C, { url: 'https://example.com/forever', immutable: true });
    const res = await api(C, 'PATCH', `/api/links/${link.code}`, { url: 'https://example.com/else' });
    expect(res.status).toBe(409);
    expect((await res.json<ErrorJson>()).error).toMatchObject({ code: 'immutable', field: 'url' });
    expect((await api(C, 'PATCH', `/api/links/${link.code}`, { title: 'still editable' })).status).toBe(200);
  });

  it('deletes to a tombstone: 410 afterwards, and the code is never handed out again', async () => {
    const { json: link } = await create(C, { url: 'https://example.com/bye', slug: 'short-lived' });
    expect((await api(C, 'DELETE', `/api/links/${link.code}`)).status).toBe(204);
    expect((await kvRecord(link.code))?.deletedAt).toBeDefined();
    expect((await api(C, 'GET', `/api/links/${link.code}`)).status).toBe(410);
    expect((await api(C, 'PATCH', `/api/links/${link.code}`, { title: 'x' })).status).toBe(410);
    expect((await create(C, { url: 'https://example.com/again', slug: 'short-lived' })).res.status).toBe(409);
    expect((await api(C, 'DELETE', '/api/links/never-existed')).status).toBe(404);
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await api(C, 'PUT', '/api/links/abc', { url: 'https://example.com/' });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, PATCH, DELETE');
  });
});

describe('GET /api/links', () => {
  it('pages through live links with a cursor', async () => {
    for (let i = 0; i < 5; i++) await create(D, { url: `https://example.com/list/${i}`, slug: `list-${i}` });
    await api(D, 'DELETE', '/api/links/list-4');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const res = await api(D, 'GET', `/api/links${query}`);
      expect(res.status).toBe(200);
      const page = await res.json<{ links: LinkJson[]; cursor: string | null }>();
      expect(page.links.length).toBeLessThanOrEqual(2);
      seen.push(...page.links.map((l) => l.code));
      cursor = page.cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(expect.arrayContaining(['list-0', 'list-1', 'list-2', 'list-3']));
    expect(seen).not.toContain('list-4');
    expect(pages).toBeGreaterThan(1);
  });

  it('refuses a bad limit or cursor with a 400 naming it', async () => {
    const limit = await api(D, 'GET', '/api/links?limit=1000');
    expect(limit.status).toBe(400);
    expect((await limit.json<ErrorJson>()).error.field).toBe('limit');
    const cursor = await api(D, 'GET', '/api/links?cursor=%3Cscript%3E');
    expect(cursor.status).toBe(400);
    expect((await cursor.json<ErrorJson>()).error.field).toBe('cursor');
  });
});

describe('POST /api/links/bulk', () => {
  it('creates up to 100 with a result per item', async () => {
    const links = [
      { url: 'https://example.com/b0' },
      { url: 'javascript:alert(1)' },
      { url: 'https://example.com/b2', slug: 'bulk-dup' },
      { url: 'https://example.com/b3', slug: 'bulk-dup' },
      ...Array.from({ length: 96 }, (_, i) => ({ url: `https://example.com/many/${i}` })),
    ];
    const res = await api(E, 'POST', '/api/links/bulk', { links });
    expect(res.status).toBe(200);
    const { results } = await res.json<{ results: { index: number; status: number; link?: LinkJson; error?: ErrorJson['error'] }[] }>();
    expect(results).toHaveLength(100);
    expect(results.map((r) => r.index)).toEqual(links.map((_, i) => i));
    expect(results[0]).toMatchObject({ status: 201, link: { url: 'https://example.com/b0' } });
    expect(results[1]).toMatchObject({ status: 400, error: { field: 'links.1.url' } });
    expect([results[2]?.status, results[3]?.status].sort()).toEqual([201, 409]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(98);
  });

  it('reports every item when some meet an outage: the links created are all listed', async () => {
    // The authority of two codes cannot be reached (503 for those items) and a third throws a bug
    // (500); the other items are created and their codes come back.
    const failing = new Map([
      [env.LINK_AUTHORITY.idFromName('bulk-outage-1').toString(), new Error('Durable Object unreachable')],
      [env.LINK_AUTHORITY.idFromName('bulk-outage-2').toString(), new Error('Durable Object unreachable')],
    ]);
    const partlyReachable = new Proxy(env.LINK_AUTHORITY, {
      get(target, prop) {
        if (prop === 'get') {
          return (id: DurableObjectId) => {
            const failure = failing.get(id.toString());
            if (failure !== undefined) throw failure;
            return target.get(id);
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const links = [
      { url: 'https://example.com/p0', slug: 'bulk-partial-0' },
      { url: 'https://example.com/p1', slug: 'bulk-outage-1' },
      ...Array.from({ length: 10 }, (_, i) => ({ url: `https://example.com/p/${i}` })),
      { url: 'https://example.com/p2', slug: 'bulk-outage-2' },
      { url: 'ftp://example.com/' },
      { url: 'https://example.com/p3', slug: 'bulk-partial-3' },
    ];
    const [token = ''] = tokens(62, 1);
    const request = new Request('https://shortener.test/api/links/bulk', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ links }),
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, { ...env, LINK_AUTHORITY: partlyReachable }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    type Item = { index: number; status: number; link?: LinkJson; error?: ErrorJson['error']; retryAfter?: number };
    const { results } = await res.json<{ results: Item[] }>();
    expect(results.map((r) => r.index)).toEqual(links.map((_, i) => i));
    expect(results[1]).toMatchObject({ status: 503, error: { code: 'unavailable' } });
    expect(results[1]?.retryAfter).toBeGreaterThan(0);
    expect(results[12]).toMatchObject({ status: 503, error: { code: 'unavailable' } });
    expect(results[13]).toMatchObject({ status: 400, error: { field: 'links.13.url' } });
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(12);
    // Each reported link exists in the authority and in KV: nothing created went unreported.
    for (const item of created) {
      const code = item.link?.code ?? '';
      expect((await api(token, 'GET', `/api/links/${code}`)).status).toBe(200);
      expect((await kvRecord(code))?.url).toBe(item.link?.url);
    }
    expect(await kvRecord('bulk-outage-1')).toBeNull();
  });

  it('refuses more than 100 or an empty list', async () => {
    const many = await api(E, 'POST', '/api/links/bulk', { links: Array.from({ length: 101 }, () => ({ url: 'https://example.com/' })) });
    expect(many.status).toBe(400);
    expect((await many.json<ErrorJson>()).error.field).toBe('links');
    expect((await api(E, 'POST', '/api/links/bulk', { links: [] })).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays a retry whose JSON has the same members in another order', async () => {
    const first = await create(F, { url: 'https://example.com/ordered', title: 'T', status: 302 }, { 'Idempotency-Key': 'order-keys' });
    const retry = await api(F, 'POST', '/api/links', '{"status":302,"title":"T","url":"https://example.com/ordered"}', {
      'Idempotency-Key': 'order-keys',
    });
    expect(first.res.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect((await retry.json<LinkJson>()).code).toBe(first.json.code);
  });

  it('returns the first result to a retry instead of a second link', async () => {
    const body = { url: 'https://example.com/once' };
    const first = await create(F, body, { 'Idempotency-Key': 'order-42' });
    const retry = await create(F, body, { 'Idempotency-Key': 'order-42' });
    expect(first.res.status).toBe(201);
    expect(retry.res.status).toBe(201);
    expect(retry.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(retry.json.code).toBe(first.json.code);
    const fresh = await create(F, body, { 'Idempotency-Key': 'order-43' });
    expect(fresh.json.code).not.toBe(first.json.code);
  });

  it('refuses the same key with another body, and keys are per token', async () => {
    await create(F, { url: 'https://example.com/k1' }, { 'Idempotency-Key': 'k-1' });
    const other = await create(F, { url: 'https://example.com/k2' }, { 'Idempotency-Key': 'k-1' });
    expect(other.res.status).toBe(422);
    expect(other.json.error.field).toBe('Idempotency-Key');
    expect((await create(G, { url: 'https://example.com/k2' }, { 'Idempotency-Key': 'k-1' })).res.status).toBe(201);
  });

  it('concurrent retries make one link', async () => {
    const body = { url: 'https://example.com/race' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(F, body, { 'Idempotency-Key': 'race-1' })));
    const codes = new Set(answers.filter((a) => a.res.status === 201).map((a) => a.json.code));
    expect(codes.size).toBe(1);
    for (const a of answers) expect([201, 409]).toContain(a.res.status);
  });

  it('replays a refusal too, and refuses a malformed key', async () => {
    const bad = await create(F, { url: 'ftp://example.com/' }, { 'Idempotency-Key': 'bad-1' });
    const again = await create(F, { url: 'ftp://example.com/' }, { 'Idempotency-Key': 'bad-1' });
    expect([bad.res.status, again.res.status]).toEqual([400, 400]);
    expect(again.res.headers.get('Idempotent-Replayed')).toBe('true');
    const key = await create(F, { url: 'https://example.com/' }, { 'Idempotency-Key': 'x'.repeat(300) });
    expect(key.res.status).toBe(400);
    expect(key.json.error.field).toBe('Idempotency-Key');
  });
});

describe('rate limit', () => {
  it('counts each link of a bulk create against the token, not the call', async () => {
    const [token = '', other = ''] = tokens(70, 2);
    await startOfWindowIfNeeded(20_000);
    const bulk = (n: number, tag: string) =>
      api(token, 'POST', '/api/links/bulk', { links: Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${tag}/${i}` })) });
    expect((await bulk(100, 'first')).status).toBe(200); // 100 of the 120 a minute
    const over = await bulk(30, 'second'); // would make 130
    expect(over.status).toBe(429);
    expect((await over.json<ErrorJson>()).error.code).toBe('rate_limited');
    expect((await api(other, 'POST', '/api/links/bulk', { links: [{ url: 'https://example.com/other' }] })).status).toBe(200);
  }, 60_000); // waits up to 20 s for a fresh window

  it('answers 429 with Retry-After once a token exceeds its budget, other tokens unaffected', async () => {
    const [hot = '', cold = ''] = tokens(100, 2);
    const statuses: number[] = [];
    let limited: Response | undefined;
    // The local limiter counts in fixed 60 s windows: enough requests to exceed 120 even if a window
    // ends part-way through.
    for (let i = 0; i < 260 && limited === undefined; i++) {
      const res = await api(hot, 'GET', '/api/links/rate-probe');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(Number(limited?.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await limited?.json<ErrorJson>())?.error.code).toBe('rate_limited');
    const before = statuses.slice(0, -1);
    expect(before.length).toBeGreaterThanOrEqual(120);
    expect(before.every((s) => s === 404)).toBe(true);
    expect((await api(cold, 'GET', '/api/links/rate-probe')).status).toBe(404);
  });
});

describe('outages', () => {
  it('answers 503 with Retry-After when the authority cannot be reached, and writes nothing', async () => {
    const unreachable = new Proxy(env.LINK_AUTHORITY, {
      get(target, prop) {
        if (prop === 'get')
          return () => {
            throw new Error('Durable Object unreachable');
          };
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const [token = ''] = tokens(61, 1);
    const request = new Request('https://shortener.test/api/links', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/no-authority', slug: 'no-authority' }),
    });
    const res = await worker.fetch(request, { ...env, LINK_AUTHORITY: unreachable }, createExecutionContext());
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await kvRecord('no-authority')).toBeNull();
  });

  it('a failed KV write still answers 201: the authority has the link, and its alarm repairs KV', async () => {
    const restore = await hookAuthorityKv('kv-down-on-write', failingPut);
    const [token = ''] = tokens(60, 1);
    const res = await api(token, 'POST', '/api/links', { url: 'https://example.com/kv-down', slug: 'kv-down-on-write' });
    expect(res.status).toBe(201);
    expect(await kvRecord('kv-down-on-write')).toBeNull(); // meanwhile the redirector asks the authority
    const read = await api(token, 'GET', '/api/links/kv-down-on-write');
    expect((await read.json<LinkJson>()).url).toBe('https://example.com/kv-down');
    await restore();
    await runDurableObjectAlarm(authorityOf('kv-down-on-write')); // or it fired already, 2.5 to 5 s after the failure
    expect(await kvRecord('kv-down-on-write')).toMatchObject({ url: 'https://example.com/kv-down', version: 1 });
  });
});
