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

  it('counts 5 browser and 3 Googlebot clicks in the click store within 15 s', async () => {
    const link = await create({ url: 'https://example.com/e2e-clicks' });
    const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
    const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    for (let i = 0; i < 5; i++) expect((await follow(link.code, { headers: { 'User-Agent': BROWSER } })).status).toBe(301);
    for (let i = 0; i < 3; i++) expect((await follow(link.code, { headers: { 'User-Agent': GOOGLEBOT } })).status).toBe(301);
    // Counting runs after the redirect: a batch per second per isolate to the queue, then the
    // shortener's consumer. Poll for at most 15 s, the contract's bound.
    const deadline = Date.now() + 15_000;
    let totals: Record<string, number> | undefined;
    while (Date.now() < deadline) {
      const response = await fetch(`${SHORTENER}/api/links/${link.code}/clicks?bucket=hour`, { headers: auth });
      expect(response.status).toBe(200);
      const stats = (await response.json()) as { code: string; totals: Record<string, number>; series: Record<string, unknown>[] };
      totals = stats.totals;
      if (totals.human === 5 && totals.bot === 3) {
        expect(stats.code).toBe(link.code);
        expect(stats.series.at(-1)).toMatchObject({ human: 5, bot: 3, preview: 0, scanner: 0, head: 0 });
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(totals).toEqual({ human: 5, bot: 3, preview: 0, scanner: 0, head: 0 });
  });

  it('serves the app association files on the short domain, and the API document on the shortener', async () => {
    for (const path of ['/.well-known/apple-app-site-association', '/.well-known/assetlinks.json']) {
      const response = await fetch(`${REDIRECTOR}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('application/json');
      expect(await response.json()).toBeTruthy();
    }
    const document = await fetch(`${SHORTENER}/api/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
