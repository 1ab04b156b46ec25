import { SELF } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { ORIGIN, UA } from './helpers.ts';
import { DEPENDENCY_ORIGIN } from './pages.ts';

let network: MockNetwork | null = null;
afterEach(() => {
  network?.restore();
  network = null;
});

describe('/_content/ forwarded to CONTENT_API_ORIGIN', () => {
  it('forwards a conditional GET with only the headers a read needs, and answers its validators', async () => {
    network = mockNetwork().on('GET', `${DEPENDENCY_ORIGIN}/_content/article/3`, (request) => {
      expect(request.headers.get('If-None-Match')).toBe('"v1"');
      expect(request.headers.get('Cookie')).toBeNull();
      return new Response(null, { status: 304, headers: { ETag: '"v1"', 'Set-Cookie': 'a=b' } });
    });
    const response = await SELF.fetch(`${ORIGIN}/_content/article/3`, {
      headers: { 'User-Agent': UA.chrome, 'If-None-Match': '"v1"', Cookie: 'session=secret' },
    });
    expect(response.status).toBe(304);
    expect(response.headers.get('ETag')).toBe('"v1"');
    expect(response.headers.get('Set-Cookie')).toBeNull();
    expect(response.headers.get('X-Prerender')).toBeNull();
  });

  it('never prerenders it for a crawler, and marks the answer BYPASS', async () => {
    network = mockNetwork().on('GET', `${DEPENDENCY_ORIGIN}/_content/article/4`, () =>
      Response.json({ title: 'x' }, { headers: { ETag: '"v2"' } }),
    );
    const response = await SELF.fetch(`${ORIGIN}/_content/article/4`, { headers: { 'User-Agent': UA.googlebot } });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
    expect(await response.json()).toEqual({ title: 'x' });
  });

  it('is read-only: 405 for a write, which never reaches the content API', async () => {
    network = mockNetwork();
    const response = await SELF.fetch(`${ORIGIN}/_content/article/4`, { method: 'POST', headers: { 'User-Agent': UA.chrome }, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, HEAD');
    expect(network.requests).toEqual([]);
  });
});
