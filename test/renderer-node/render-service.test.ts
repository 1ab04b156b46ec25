/**
 * The self-hosted render service (services/render-service/server.ts), started as its own Node process
 * on a free port, rendering the fixture site in a real headless Chromium.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderResult } from '../../shared/render/protocol.ts';
import { startFixtureSite, type FixtureSite } from './fixture-site.ts';
import { startRenderServiceProcess, type RenderServiceProcess } from './render-service-process.ts';

const TOKEN = 'service-test-token';
let site: FixtureSite;
let service: RenderServiceProcess;
let serviceUrl: string;

beforeAll(async () => {
  site = await startFixtureSite();
  service = await startRenderServiceProcess({
    RENDER_TOKEN: TOKEN,
    SITE_ORIGINS: site.siteOrigin,
    RENDER_ALLOWED_ORIGINS: site.apiOrigin,
    RENDER_TIMEOUT_MS: '3000',
    RENDER_IDLE_CAP_MS: '1500',
    RENDER_CONCURRENCY: '2',
  });
  serviceUrl = service.url;
});

afterAll(async () => {
  await service?.stop();
  await site?.close();
});

function post(body: unknown, token = TOKEN): Promise<Response> {
  return fetch(`${serviceUrl}/render`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function rendered(path: string, device: 'mobile' | 'desktop' = 'desktop'): Promise<RenderResult> {
  const response = await post({ url: `${site.siteOrigin}${path}`, device });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as RenderResult;
}

const textOf = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
const seen = (path: string) => site.requests.filter((r) => r.path === path);

describe('services/render-service', () => {
  it('renders content that only JavaScript produces', async () => {
    const result = await rendered('/js-only');
    expect(result.html).toContain('<h1>Rendered by JavaScript</h1>');
    expect(result).toMatchObject({ status: 200, headers: {} });
  });

  it('honours window.prerenderReady', async () => {
    expect(textOf((await rendered('/ready')).html, 'app')).toBe('ready-content');
  });

  it('renders two pages at once, each in its own browser context', async () => {
    const [ready, jsOnly] = await Promise.all([rendered('/ready', 'mobile'), rendered('/js-only')]);
    expect(textOf(ready.html, 'app')).toBe('ready-content');
    expect(jsOnly.html).toContain('Rendered by JavaScript');
  });

  it('answers 504 when the page never gets ready in time', async () => {
    const response = await post({ url: `${site.siteOrigin}/never-ready`, device: 'desktop' });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'render_timeout' } });
  });

  it('takes status and headers from prerender metas', async () => {
    expect((await rendered('/gone')).status).toBe(404);
    expect(await rendered('/moved')).toMatchObject({ status: 301, headers: { Location: `${site.siteOrigin}/about` } });
  });

  it('starts every render clean: no cookie or storage from an earlier render', async () => {
    await rendered('/state');
    expect(textOf((await rendered('/state')).html, 'app')).toBe('cookie=; stored=');
  });

  it('blocks images: the site never sees the request', async () => {
    const before = seen('/pixel.png').length;
    expect(textOf((await rendered('/images')).html, 'app')).toBe('image: blocked');
    expect(seen('/pixel.png').length).toBe(before);
  });

  it('marks every request to the site with X-Prerender-Render: 1 and a Prerender User-Agent', async () => {
    const from = site.requests.length;
    await rendered('/js-only', 'mobile');
    const toSite = site.requests.slice(from).filter((r) => r.origin === site.siteOrigin);
    expect(toSite.map((r) => r.path)).toEqual(expect.arrayContaining(['/js-only', '/data.json']));
    for (const request of toSite) {
      expect(request.headers['x-prerender-render']).toBe('1');
      expect(request.headers['user-agent']).toMatch(/Android.*Mobile.*Prerender/);
    }
  });

  it('reaches the allowed API without the marker, and never the off-site origin', async () => {
    const from = site.requests.length;
    expect(textOf((await rendered('/ssrf')).html, 'app')).toBe('api: reached; offsite: blocked; redirected: blocked');
    const during = site.requests.slice(from);
    expect(during.filter((r) => r.origin === site.offsiteOrigin)).toEqual([]);
    const api = during.filter((r) => r.origin === site.apiOrigin);
    expect(api).toHaveLength(1);
    expect(api[0]!.headers['x-prerender-render']).toBeUndefined();
  });

  it("records the page's same-site data requests with their validators, or a body hash", async () => {
    const result = await rendered('/deps');
    expect(textOf(result.html, 'app')).toBe('deps');
    const hash = createHash('sha256')
      .update(JSON.stringify({ title: 'Rendered by JavaScript' }))
      .digest('hex');
    const apiHash = createHash('sha256')
      .update(JSON.stringify({ items: [1, 2, 3] }))
      .digest('hex');
    expect(result.dependencies?.complete).toBe(true);
    // Neither the stylesheet nor the aborted off-site request is a dependency.
    expect(result.dependencies?.requests).toEqual(
      expect.arrayContaining([
        { url: `${site.siteOrigin}/data.json`, hash },
        { url: `${site.siteOrigin}/versioned.json`, etag: '"v1"', lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT' },
        { url: `${site.apiOrigin}/api/items`, hash: apiHash },
      ]),
    );
    expect(result.dependencies?.requests).toHaveLength(3);
  });

  it('never records a data request whose query names a user, and says the list is incomplete', async () => {
    const result = await rendered('/deps-user');
    expect(textOf(result.html, 'app')).toBe('for alice');
    expect(result.dependencies).toEqual({ requests: [], complete: false });
  });

  it("reports the page's off-site redirect without following it", async () => {
    const from = site.requests.length;
    expect(await rendered('/redirect-away')).toMatchObject({
      status: 302,
      html: '',
      headers: { Location: `${site.offsiteOrigin}/secret` },
    });
    expect(site.requests.slice(from).filter((r) => r.origin === site.offsiteOrigin)).toEqual([]);
  });

  it('refuses another origin with 403', async () => {
    const response = await post({ url: `${site.offsiteOrigin}/secret`, device: 'desktop' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
  });

  it('answers 401 without the token and 400 for bad input', async () => {
    const anonymous = await post({ url: `${site.siteOrigin}/js-only` }, 'wrong-token');
    expect(anonymous.status).toBe(401);
    const bad = await post({ url: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_url', field: 'url' } });
  });
});
