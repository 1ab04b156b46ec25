import { describe, expect, it } from 'vitest';

// The edge in the local stack with the real renderer (headless Chromium) and the real assets
// worker serving the demo SPA. The renderer-down FALLBACK case is covered in workerd
// (test/edge/prerender.test.ts), where the renderer can be made to fail on purpose. Crawlers come
// to the site's origin (the first of the edge's SITE_ORIGINS).
const EDGE = 'http://localhost:8787';
const GOOGLEBOT =
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';
const ADMIN_TOKEN = process.env.EDGE_ADMIN_TOKEN ?? 'dev-admin-token'; // .dev.vars.example

// Googlebot's own Accept header.
const crawl = (path: string, method = 'GET') =>
  fetch(`${EDGE}${path}`, {
    method,
    headers: { 'User-Agent': GOOGLEBOT, Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    redirect: 'manual',
  });

describe('edge: crawlers get prerendered pages, humans the SPA', () => {
  it('one site on every local address: a page rendered for a crawler on localhost is a HIT on 127.0.0.1 and [::1]', async () => {
    const first = await crawl('/article/5');
    expect(['MISS', 'HIT']).toContain(first.headers.get('X-Prerender'));
    for (const host of ['127.0.0.1', '[::1]']) {
      const response = await fetch(`http://${host}:8787/article/5`, {
        headers: { 'User-Agent': GOOGLEBOT, Accept: 'text/html' },
        redirect: 'manual',
      });
      expect(response.status, host).toBe(200);
      expect(response.headers.get('X-Prerender'), host).toBe('HIT');
      expect(await response.text(), host).toContain('data-article-id="5"');
    }
  });

  it('renders for `curl -A Googlebot` as the brief promises (a bare product token, no Accept)', async () => {
    const response = await fetch(`${EDGE}/article/7`, { headers: { 'User-Agent': 'Googlebot' }, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(['MISS', 'HIT']).toContain(response.headers.get('X-Prerender'));
    expect(await response.text()).toContain('data-article-id="7"');
  });

  it('renders /article/1 for Googlebot (MISS), then serves it from the cache (HIT)', async () => {
    // Start from a known state even if another test already crawled the page.
    const purge = await fetch(`${EDGE}/__prerender/purge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${EDGE}/article/1` }),
    });
    expect(purge.status).toBe(200);

    const first = await crawl('/article/1');
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Prerender')).toBe('MISS');
    const html = await first.text();
    // Produced only by the SPA's JavaScript: the article view and its title.
    expect(html).toContain('data-article-id="1"');
    expect(html).toContain('Precompressed assets at the edge');
    expect(html).not.toContain('Loading…');
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)[^>]*>/i);
    expect(html).toContain('<!-- prerendered by edge at ');

    const second = await crawl('/article/1');
    expect(second.headers.get('X-Prerender')).toBe('HIT');
    expect(await second.text()).toBe(html);
  });

  it('gives a browser the SPA shell, without X-Prerender', async () => {
    const response = await fetch(`${EDGE}/article/1`, { headers: { 'User-Agent': FIREFOX, Accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
    const html = await response.text();
    expect(html).toContain('Loading…');
    expect(html).not.toContain('data-article-id="1"');
  });

  it('answers the gone route with a real 404 to the crawler', async () => {
    const response = await crawl('/gone');
    expect(response.status).toBe(404);
    expect(response.headers.get('X-Prerender')).toMatch(/^(MISS|HIT)$/);
  });

  it('answers the moved route with a real 301 to /about', async () => {
    const response = await crawl('/old-about');
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe(`${EDGE}/about`);
    expect(response.headers.get('X-Prerender')).toMatch(/^(MISS|HIT)$/);
  });

  it('records what one refresh of an unchanged page costs (README cost note)', async () => {
    const recache = await fetch(`${EDGE}/__prerender/recache`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${EDGE}/article/1` }),
    });
    expect(recache.status).toBe(200);
    const body = (await recache.json()) as {
      results: Array<{ device: string; outcome: string; bodyWritten: boolean; renderMs: number | null }>;
      ops: Record<string, number>;
    };
    expect(body.results.map((r) => r.outcome)).toEqual(['stored', 'stored']);
    // desktop was rendered above: unchanged, so no R2 write for it.
    expect(body.results.find((r) => r.device === 'desktop')!.bodyWritten).toBe(false);
    console.log(`edge e2e counters: ${JSON.stringify(body)}`);
  });

  it("passes a crawler's asset request through (BYPASS)", async () => {
    const response = await crawl('/robots.txt');
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
  });
});
