/**
 * CSRF on every write: each write route of the console refuses a request without the session's
 * token or from another origin, and forwards nothing to its owner; with both, it goes through.
 */
import { describe, expect, it } from 'vitest';
import { csrfToken, crossOriginProblem } from '../../workers/console/src/csrf.ts';
import { signedIn, standIn, type ErrorAnswer, type Owner } from './helpers.ts';

const WRITES: Array<{ method: string; path: string; owner: Owner; body: string; type: string; ok: number }> = [
  {
    method: 'POST',
    path: '/api/links',
    owner: 'shortener',
    body: JSON.stringify({ url: 'https://example.com/new' }),
    type: 'application/json',
    ok: 201,
  },
  {
    method: 'PATCH',
    path: '/api/links/docs-home',
    owner: 'shortener',
    body: JSON.stringify({ title: 'Docs' }),
    type: 'application/json',
    ok: 200,
  },
  { method: 'DELETE', path: '/api/links/careers', owner: 'shortener', body: '', type: 'application/json', ok: 204 },
  {
    method: 'POST',
    path: '/api/links.csv',
    owner: 'shortener',
    body: 'url,slug,status,title,expiresAt\nhttps://example.com/a,,,,\n',
    type: 'text/csv',
    ok: 200,
  },
  {
    method: 'POST',
    path: '/__prerender/recache',
    owner: 'edge',
    body: JSON.stringify({ url: 'http://localhost:8787/' }),
    type: 'application/json',
    ok: 200,
  },
  {
    method: 'POST',
    path: '/__prerender/purge',
    owner: 'edge',
    body: JSON.stringify({ prefix: 'http://localhost:8787/article/' }),
    type: 'application/json',
    ok: 200,
  },
  { method: 'POST', path: '/__prerender/warm', owner: 'edge', body: '{}', type: 'application/json', ok: 200 },
  { method: 'POST', path: '/api/feed/_status', owner: 'feed', body: JSON.stringify({ mode: 'open' }), type: 'application/json', ok: 200 },
];

describe.each(WRITES)('$method $path', ({ method, path, owner, body, type, ok }) => {
  const send = async (headers: Record<string, string>) => {
    const client = await signedIn();
    return client.fetch(path, { method, headers: { 'Content-Type': type, ...headers }, body: body || undefined });
  };

  it.each([
    ['without the CSRF token', { 'X-CSRF-Token': '' }, 'X-CSRF-Token'],
    ['with a token of another session', { 'X-CSRF-Token': 'fNQ0x7d2n3Rk0fJ9bXh2l9cC3pP0kq1Jm2cZxv8Ywq4' }, 'X-CSRF-Token'],
    ['from another origin', { Origin: 'http://localhost:8787' }, 'Origin'],
    ['from a page on another site', { Origin: 'https://evil.example' }, 'Origin'],
  ])('is refused %s (403, nothing forwarded)', async (_what, headers, field) => {
    const response = await send(headers);
    expect(response.status).toBe(403);
    const error = ((await response.json()) as ErrorAnswer).error;
    expect(error).toMatchObject({ code: 'csrf', field });
    expect(await standIn(owner).seen()).toEqual([]);
  });

  it('goes through with the token from the console itself, as the signed-in operator', async () => {
    const response = await send({});
    expect(response.status).toBe(ok);
    const seen = await standIn(owner).seen();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method, path, operator: 'local' });
  });
});

describe('the pure rules', () => {
  it.each([
    [{ Origin: 'http://localhost:8794' }, null],
    [{ Origin: 'http://localhost:8787' }, 'Origin http://localhost:8787 is not this console'],
    [{ Origin: 'null' }, 'Origin null is not this console'],
    [{ 'Sec-Fetch-Site': 'same-origin' }, null],
    [{ 'Sec-Fetch-Site': 'same-site' }, 'Sec-Fetch-Site same-site is not this console'],
    [{}, 'a write must name its Origin'],
  ])('headers %j: %s', (headers, problem) => {
    expect(crossOriginProblem('http://localhost:8794/api/links', new Headers(headers))).toBe(problem);
  });

  it('binds the token to the session: another session, another token; the same, the same', async () => {
    const secret = new TextEncoder().encode('a-secret-of-at-least-32-characters!!');
    expect(await csrfToken(secret, 'session-a')).toBe(await csrfToken(secret, 'session-a'));
    expect(await csrfToken(secret, 'session-a')).not.toBe(await csrfToken(secret, 'session-b'));
  });
});
