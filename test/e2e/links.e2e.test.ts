import { describe, expect, it } from 'vitest';

// Short links through the local stack (`npm start`): create on the shortener (8789) with the local
// token, follow on the redirector (8790). Two `wrangler dev` processes: they share the `LINKS` KV
// state (same --persist-to, same binding name) and the redirector reaches the shortener's
// LinkAuthority Durable Object through the dev registry. Reached on 127.0.0.1, the address
// `wrangler dev` prints; short URLs are on SHORT_BASE_URL (wrangler.toml), http://localhost:8790.
const SHORTENER = 'http://127.0.0.1:8789';
const REDIRECTOR = 'http://127.0.0.1:8790';
const SHORT_BASE_URL = 'http://localhost:8790';
const TOKEN = process.env.SHORTENER_TOKEN ?? 'dev-token'; // API_TOKENS in .dev.vars.example
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

interface Link {
  code: string;
  url: string;
  shortUrl: string;
  clicks?: Record<string, number>;
}

async function create(body: Record<string, unknown>): Promise<Link> {
  const response = await fetch(`${SHORTENER}/api/links`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as Link;
}

const follow = (code: string, init: RequestInit = {}) => fetch(`${REDIRECTOR}/${code}`, { redirect: 'manual', ...init });
const slug = (name: string) => `e2e-${name}-${Date.now().toString(36)}`;

describe('short links across the shortener and the redirector', () => {
  it('creates a link on 8789 and follows it on 8790 at once', async () => {
    const link = await create({ url: 'https://example.com/e2e?from=stack' });
    expect(link.shortUrl).toBe(`${SHORT_BASE_URL}/${link.code}`);
    const response = await fetch(link.shortUrl, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe('https://example.com/e2e?from=stack');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=86400');
  });

  it('answers a custom slug with its own status, and 404 for an unknown code', async () => {
    const code = slug('temp');
    await create({ url: 'https://example.com/temporary', slug: code, status: 307 });
    const response = await follow(code);
    expect(response.status).toBe(307);
    expect(response.headers.get('Location')).toBe('https://example.com/temporary');
    expect((await follow(`${code}-nope`)).status).toBe(404);
  });

  it('answers 410 after a delete', async () => {
    const link = await create({ url: 'https://example.com/e2e-deleted', slug: slug('deleted') });
    const deleted = await fetch(`${SHORTENER}/api/links/${link.code}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(204);
    expect((await follow(link.code)).status).toBe(410);
  });

  it('refuses a write without the token, and unsafe destinations', async () => {
    const anonymous = await fetch(`${SHORTENER}/api/links`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/' }),
    });
    expect(anonymous.status).toBe(401);
    const unsafe = await fetch(`${SHORTENER}/api/links`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: 'javascript:alert(1)' }),
    });
    expect(unsafe.status).toBe(400);
    expect(((await unsafe.json()) as { error: { field: string } }).error.field).toBe('url');
  });

  it('counts a GET as a click and a HEAD apart, shown by the shortener', async () => {
    const link = await create({ url: 'https://example.com/e2e-counted' });
    await follow(link.code, {
      headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' },
    });
    await follow(link.code, { method: 'HEAD' });
    // Counting runs after the redirect (waitUntil, batched for CLICK_FLUSH_MS): poll briefly.
    let clicks: Record<string, number> | undefined;
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${SHORTENER}/api/links/${link.code}`, { headers: auth });
      clicks = ((await response.json()) as Link).clicks;
      if ((clicks?.human ?? 0) >= 1 && (clicks?.head ?? 0) >= 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(clicks).toMatchObject({ human: 1, head: 1 });
  });
});
