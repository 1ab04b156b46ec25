/**
 * The agent-ready front door in the local stack (real renderer, real Chromium, real queue and D1):
 * Markdown from the same render, Web Bot Auth signed agents with a key directory on 127.0.0.1,
 * robots.txt from the purpose policy, and crawler visits in the stats within 15 s.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signatureHeaders } from 'web-bot-auth';
import { Ed25519Signer } from 'web-bot-auth/crypto';
import { launchChromium } from '../../scripts/chromium.mjs';
import type { PrerenderStats, SnapshotList } from '../../shared/operator/prerender.ts';

const EDGE = 'http://localhost:8787';
const ADMIN_TOKEN = process.env.EDGE_ADMIN_TOKEN ?? 'dev-admin-token'; // .dev.vars.example
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('Markdown for agents', () => {
  it("answers `curl -H 'Accept: text/markdown'` with the article's title as a `# ` heading", async () => {
    const response = await fetch(`${EDGE}/article/1`, { headers: { Accept: 'text/markdown', 'User-Agent': 'curl/8.5.0' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/markdown; charset=utf-8');
    expect(response.headers.get('Vary')).toMatch(/\bAccept\b/);
    expect(Number(response.headers.get('x-markdown-tokens'))).toBeGreaterThan(0);
    expect(response.headers.get('Link')).toBe(`<${EDGE}/article/1>; rel="canonical"`);
    expect(await response.text()).toMatch(/^# Precompressed assets at the edge$/m);
  });

  it('answers a 404 page with its Markdown and a real 404', async () => {
    const response = await fetch(`${EDGE}/gone`, { headers: { Accept: 'text/markdown', 'User-Agent': CHROME } });
    expect([response.status, response.headers.get('Content-Type')]).toEqual([404, 'text/markdown; charset=utf-8']);
    expect(response.headers.get('X-Prerender')).toBeNull();
  });

  describe('against the page as a reader sees it', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /**
     * The article's words as the SPA shows them to a person, in a real browser: its text, without
     * the "Read next" aside of links to other articles (navigation, which the Markdown leaves out).
     */
    async function visibleWords(path: string): Promise<string[]> {
      const page = await browser.newPage();
      try {
        await page.goto(`${EDGE}${path}`, { waitUntil: 'networkidle0' });
        const text = (await page.$eval('article', (article) => {
          for (const aside of article.querySelectorAll('aside.related')) aside.remove();
          return (article as HTMLElement).innerText;
        })) as string;
        return words(text);
      } finally {
        await page.close();
      }
    }

    const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

    // How many fewer bytes the Markdown is than the HTML snapshot is the bench's row (renderer:
    // demo article Markdown bytes vs HTML snapshot bytes); here the words are what counts.
    it.each(['/article/1', '/article/2', '/article/3', '/article/4'])('%s: at least 95% of its visible words', async (path) => {
      const [markdownResponse, htmlResponse] = await Promise.all([
        fetch(`${EDGE}${path}`, { headers: { Accept: 'text/markdown', 'User-Agent': GOOGLEBOT } }),
        fetch(`${EDGE}${path}`, { headers: { 'User-Agent': GOOGLEBOT } }),
      ]);
      const markdown = await markdownResponse.text();
      const html = await htmlResponse.text();
      const present = new Set(words(markdown));
      const visible = await visibleWords(path);
      const found = visible.filter((word) => present.has(word)).length;
      expect(visible.length).toBeGreaterThan(100);
      expect(found / visible.length).toBeGreaterThanOrEqual(0.95);
      expect(markdown.length).toBeLessThan(html.length);
    });
  });
});

describe('Web Bot Auth: a signed agent with a Chrome User-Agent, its key directory on 127.0.0.1', () => {
  let directory: Server;
  let origin: string;
  let listed: Ed25519Signer;
  let stranger: Ed25519Signer;

  async function signer(): Promise<{ signer: Ed25519Signer; publicJwk: JsonWebKey }> {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
    return { signer: await Ed25519Signer.fromJWK(jwk), publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } };
  }

  beforeAll(async () => {
    const [a, b] = [await signer(), await signer()];
    listed = a.signer;
    stranger = b.signer;
    directory = createServer((req, res) => {
      if (req.url !== '/.well-known/http-message-signatures-directory') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/http-message-signatures-directory+json', 'Cache-Control': 'max-age=60' });
      res.end(JSON.stringify({ keys: [a.publicJwk] }));
    });
    await new Promise<void>((resolve) => directory.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(directory.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => directory?.close(resolve));
  });

  async function signedGet(path: string, by: Ed25519Signer): Promise<Response> {
    const url = `${EDGE}${path}`;
    const headers = { 'Signature-Agent': `"${origin}"` };
    const now = Date.now();
    const signed = await signatureHeaders({ method: 'GET', url, headers }, by, { created: new Date(now), expires: new Date(now + 60_000) });
    return fetch(url, { headers: { ...headers, ...signed, 'User-Agent': CHROME, Accept: 'text/html' } });
  }

  async function inventory(path: string): Promise<SnapshotList> {
    const response = await fetch(`${EDGE}/__prerender/snapshots?prefix=${encodeURIComponent(path)}`, { headers: admin });
    return (await response.json()) as SnapshotList;
  }

  it('is a verified agent: its page answer carries X-Prerender', async () => {
    const response = await signedGet('/article/41', listed);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toMatch(/^(MISS|HIT)$/);
    expect(await response.text()).toContain('data-article-id="41"');
  });

  it('signed by a key absent from the directory, gets no X-Prerender and triggers no render', async () => {
    const response = await signedGet('/article/42', stranger);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(await response.text()).not.toContain('data-article-id="42"');
    expect((await inventory('/article/42')).items).toEqual([]);
  });
});

describe('robots.txt from the purpose policy', () => {
  it('carries Content-Signal lines, and refuses the categories the policy refuses', async () => {
    const response = await fetch(`${EDGE}/robots.txt`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^Content-Signal: search=yes, ai-input=yes, ai-train=no$/m);
    expect(text).toMatch(/^User-agent: GPTBot$/m);
    const gptbot = await fetch(`${EDGE}/article/1`, {
      headers: { 'User-Agent': 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)' },
    });
    expect([gptbot.status, gptbot.headers.get('X-Prerender')]).toEqual([403, 'BYPASS']);
  });
});

describe('GET /__prerender/stats', () => {
  it("shows a crawler's MISS then HIT within 15 s", async () => {
    const stats = async () => (await (await fetch(`${EDGE}/__prerender/stats`, { headers: admin })).json()) as PrerenderStats;
    const before = await stats();
    const purge = await fetch(`${EDGE}/__prerender/purge`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${EDGE}/article/5` }),
    });
    expect(purge.status).toBe(200);
    const crawl = () => fetch(`${EDGE}/article/5`, { headers: { 'User-Agent': GOOGLEBOT } });
    expect((await crawl()).headers.get('X-Prerender')).toBe('MISS');
    expect((await crawl()).headers.get('X-Prerender')).toBe('HIT');
    const after = await vi.waitUntil(
      async () => {
        const now = await stats();
        return now.misses > before.misses && now.hits > before.hits ? now : false;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(after.renders).toBeGreaterThan(before.renders);
    expect(after.categories.find((c) => c.category === 'search')?.visits).toBeGreaterThanOrEqual(2);
  });
});
