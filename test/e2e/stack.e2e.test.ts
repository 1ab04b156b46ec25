/**
 * `npm start`'s promises about addresses: every process answers on its port at http://localhost,
 * http://127.0.0.1 (what `wrangler dev` prints) and http://[::1], and the demo SPA works from each:
 * its feed call passes CORS, short URLs point at a host that answers.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { RECOMMENDER_PORT, WORKERS } from '../../scripts/workers.mjs';

const HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';
const everyPort = [...WORKERS, { name: 'recommender', port: RECOMMENDER_PORT }].flatMap(({ name, port }) =>
  HOSTS.map((host) => [name, `http://${host}:${port}`] as const),
);

describe('npm start: every worker on every local address', () => {
  it.each(everyPort)('%s answers on %s', async (_name, origin) => {
    const response = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(500);
  });

  it.each(HOSTS)('a browser gets the SPA from the edge on %s, without X-Prerender', async (host) => {
    const response = await fetch(`http://${host}:8787/article/1`, { headers: { 'User-Agent': FIREFOX, Accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(await response.text()).toContain('Loading…');
  });

  it.each(HOSTS.flatMap((host) => [`http://${host}:8787`, `http://${host}:8788`]))(
    'the feed lets the SPA on %s read it (CORS)',
    async (origin) => {
      const response = await fetch('http://127.0.0.1:8791/api/feed/home?user=alice', { headers: { Origin: origin } });
      expect(response.status).toBe(200);
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
    },
  );

  it('a short URL points at a host that answers, from any address the link was made on', async () => {
    for (const host of HOSTS) {
      const created = await fetch(`http://${host}:8789/api/links`, {
        method: 'POST',
        headers: { Authorization: 'Bearer dev-token', 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `https://example.com/from/${encodeURIComponent(host)}` }),
      });
      expect(created.status).toBe(201);
      const { shortUrl } = (await created.json()) as { shortUrl: string };
      const followed = await fetch(shortUrl, { redirect: 'manual' });
      expect(followed.status).toBe(301);
      expect(followed.headers.get('Location')).toBe(`https://example.com/from/${encodeURIComponent(host)}`);
    }
  });
});

const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('the demo SPA in a browser, on every local address', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(HOSTS)('loads its home feed live on %s: no CORS or console error', async (host) => {
    const page = await browser.newPage();
    // A person's browser: headless Chromium's own UA (HeadlessChrome) is browser automation, a bot of
    // category `other`, which the local policy renders for.
    await page.setUserAgent(PERSON_UA);
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    try {
      await page.goto(`http://${host}:8787/`, { waitUntil: 'domcontentloaded' });
      const feed = await page.waitForSelector('.feed, .feed-error, .feed-empty');
      expect(await feed!.evaluate((element) => element.className)).toBe('feed');
      expect(await feed!.evaluate((element) => element.getAttribute('data-mode'))).toBe('live');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
