/**
 * The demo SPA served by the assets worker, loaded in headless Chromium: JS-rendered content on
 * each route, per-route head and prerender meta tags, no console errors, no CSP violations. The
 * feed worker is not running here: its requests are answered in the page by a stub, and any other
 * request that leaves the worker's origin fails the test.
 */
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { contentApi } from '../../demo/content/api.mjs';
import { startAssetsWorker } from './harness.ts';

const content = contentApi();

/** The feed origin the local build is made with (scripts/build.mjs DEFAULT_FEED_ORIGIN). */
const FEED_ORIGIN = 'http://localhost:8791';
/** The demo token issuer the local build signs its user in with (scripts/build.mjs DEFAULT_AUTH_ORIGIN). */
const AUTH_ORIGIN = 'http://localhost:8793';

let worker: Awaited<ReturnType<typeof startAssetsWorker>>;
let browser: Browser;
let page: Page;
let problems: string[];
let feedRequests: string[];
let feedTokens: (string | undefined)[];
let signIns: unknown[];

beforeAll(async () => {
  worker = await startAssetsWorker();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await worker?.close();
});

beforeEach(async () => {
  problems = [];
  feedRequests = [];
  feedTokens = [];
  signIns = [];
  page = await browser.newPage();
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
  await page.setRequestInterception(true);
  page.on('request', (request) => void answer(request));
});
afterEach(async () => {
  await page.close();
  expect(problems).toEqual([]);
});

async function answer(request: HTTPRequest): Promise<void> {
  const url = new URL(request.url());
  // The content API is the edge's to forward (CONTENT_API_ORIGIN), not the assets worker's: answered
  // here by the demo content API's own code.
  const article = /^\/_content\/article\/(\d+)$/.exec(url.pathname);
  if (url.origin === worker.origin && article) {
    const found = content.article(Number(article[1]));
    return request.respond({ status: found ? 200 : 404, contentType: 'application/json', body: JSON.stringify(found ?? {}) });
  }
  if (url.origin === worker.origin || url.protocol === 'data:') return request.continue();
  const cors = { 'Access-Control-Allow-Origin': worker.origin };
  // The token sent to the feed (and its JSON body to the issuer) makes the browser ask first.
  if (request.method() === 'OPTIONS' && (url.origin === FEED_ORIGIN || url.origin === AUTH_ORIGIN)) {
    return request.respond({
      status: 204,
      headers: { ...cors, 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type' },
    });
  }
  if (url.origin === AUTH_ORIGIN && url.pathname === '/auth/token' && request.method() === 'POST') {
    signIns.push(JSON.parse(request.postData() ?? 'null'));
    return request.respond({
      status: 200,
      contentType: 'application/json',
      headers: cors,
      body: JSON.stringify({ token: 'stub-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
    });
  }
  if (url.origin === FEED_ORIGIN && url.pathname === '/api/feed/home') {
    feedRequests.push(url.pathname + url.search);
    feedTokens.push(request.headers().authorization);
    return request.respond({
      status: 200,
      contentType: 'application/json',
      headers: {
        'Access-Control-Allow-Origin': worker.origin,
        'Access-Control-Expose-Headers': 'X-Feed-Mode',
        'X-Feed-Mode': 'degraded',
      },
      body: JSON.stringify({
        items: [
          { id: '3', title: 'Prerendering an SPA for crawlers' },
          { id: 'x', title: 42 },
        ],
        mode: 'degraded',
      }),
    });
  }
  problems.push(`unexpected off-origin request: ${request.method()} ${request.url()}`);
  return request.abort('blockedbyclient');
}

async function open(path: string): Promise<void> {
  const response = await page.goto(`${worker.origin}${path}`, { waitUntil: 'domcontentloaded' });
  // 304 once the browser holds index.html: the shell is `no-cache`, so every navigation revalidates.
  expect([200, 304]).toContain(response?.status());
  await page.waitForFunction(() => window.prerenderReady === true, { timeout: 20_000 });
}

const text = (selector: string) => page.$eval(selector, (el) => el.textContent?.trim() ?? '');
const meta = (name: string) =>
  page.evaluate((n) => [...document.querySelectorAll(`meta[name="${n}"]`)].map((m) => m.getAttribute('content')), name);

describe('demo SPA through the assets worker', () => {
  it('/article/1 renders the article with JavaScript (markdown, highlighted code, title, description)', async () => {
    await open('/article/1');
    expect(await text('article h1')).toBe('Precompressed assets at the edge');
    expect(await page.title()).toBe('Precompressed assets at the edge · Edge Notes');
    expect((await meta('description'))[0]).toContain('article 1');
    expect(await page.$$eval('pre code.hljs .hljs-keyword', (els) => els.length)).toBeGreaterThan(0);
    expect(await meta('prerender-status-code')).toEqual([]);
  });

  it('/ shows the feed from the feed worker contract (stubbed), keeping only well-formed items', async () => {
    await open('/');
    expect(feedRequests).toHaveLength(1);
    // The demo user signs in with the issuer and the feed gets the token, not a ?user= to trust.
    expect(signIns).toEqual([{ user: expect.stringMatching(/^anon-[0-9a-f]{8}$/) }]);
    expect(feedRequests).toEqual(['/api/feed/home']);
    expect(feedTokens).toEqual(['Bearer stub-token']);
    expect(await page.$$eval('.feed-item a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]))).toEqual([
      ['Prerendering an SPA for crawlers', '/article/3'],
    ]);
    expect(await text('.feed-note')).toContain('popular articles'); // X-Feed-Mode: degraded
    expect(await page.title()).toBe('Edge Notes');
  });

  it('/gone and unknown routes tell crawlers 404', async () => {
    await open('/gone');
    expect(await text('h1')).toBe('This page is gone');
    expect(await meta('prerender-status-code')).toEqual(['404']);
    await open('/no/such/page');
    expect(await text('h1')).toBe('Page not found');
    expect(await meta('prerender-status-code')).toEqual(['404']);
    await open('/article/99999');
    expect(await meta('prerender-status-code')).toEqual(['404']);
  });

  it('/old-about tells crawlers 301 to /about, then takes a human there', async () => {
    await open('/old-about');
    expect(await meta('prerender-status-code')).toEqual(['301']);
    expect(await meta('prerender-header')).toEqual(['Location: /about']);
    await page.waitForFunction(() => location.pathname === '/about', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'About Edge Notes');
    expect(await meta('prerender-status-code')).toEqual([]);
  });

  it('the CSP is enforced: an injected inline script is refused and reported (the detector works)', async () => {
    await open('/about');
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    // An inline script runs as it is appended, if it runs at all; the violation report is the event to wait for.
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
    await vi.waitUntil(() => problems.some((p) => p.includes('CSP violation: script-src')));
    problems = []; // expected here; every other test must end with none
  });

  it('links navigate on the client without a page load', async () => {
    await open('/about');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.click('a[href="/article/1"]');
    await page.waitForFunction(() => document.querySelector('article h1')?.textContent === 'Precompressed assets at the edge');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/article/1');
  });
});
