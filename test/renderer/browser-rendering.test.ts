/**
 * The worker end to end on the real BROWSER binding: Miniflare's local Browser Rendering runs the
 * packaged headless Chromium (through the shim set up in vitest.config.ts), which renders pages of
 * the fixture site served from Node (test/renderer-node/fixture-site.ts).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../workers/renderer/src/index.ts';
import type { RenderResult } from '../../shared/render/protocol.ts';

const { siteOrigin, apiOrigin, offsiteOrigin } = inject('fixtureSite');
const TOKEN = 'test-render-token';

/** The worker's env pointed at the fixture site (wrangler's literal var types widened on purpose). */
function envWith(overrides: Record<string, string> = {}): RendererEnv {
  return {
    ...env,
    SITE_ORIGINS: siteOrigin,
    RENDER_ALLOWED_ORIGINS: apiOrigin,
    RENDER_TIMEOUT_MS: '8000',
    RENDER_IDLE_CAP_MS: '1500',
    ...overrides,
  } as unknown as RendererEnv;
}

async function render(body: unknown, overrides: Record<string, string> = {}): Promise<Response> {
  const request = new Request('http://renderer/render', {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, envWith(overrides), ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function rendered(
  path: string,
  device: 'mobile' | 'desktop' = 'desktop',
  overrides: Record<string, string> = {},
): Promise<RenderResult> {
  const response = await render({ url: `${siteOrigin}${path}`, device }, overrides);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

const textOf = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

describe('renderer on the Browser Rendering binding', () => {
  it('renders content that only JavaScript produces, waiting for network idle', async () => {
    const result = await rendered('/js-only');
    expect(result.html).toContain('<h1>Rendered by JavaScript</h1>');
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({});
    expect(Date.parse(result.renderedAt)).not.toBeNaN();
    expect(result.timings.totalMs).toBeGreaterThan(0);
  });

  it('honours window.prerenderReady past the network-idle window', async () => {
    const result = await rendered('/ready');
    expect(textOf(result.html, 'app')).toBe('ready-content');
  });

  it('answers 504 when prerenderReady never turns true within RENDER_TIMEOUT_MS', async () => {
    const response = await render({ url: `${siteOrigin}/never-ready`, device: 'desktop' }, { RENDER_TIMEOUT_MS: '1500' });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'render_timeout' } });
  });

  it('renders a page that is never network-idle once the idle cap has passed', async () => {
    const result = await rendered('/polling');
    expect(textOf(result.html, 'app')).toBe('polling-content');
  });

  it('takes status and headers from prerender metas, dropping headers a snapshot must not carry', async () => {
    expect((await rendered('/gone')).status).toBe(404);
    const moved = await rendered('/moved');
    expect(moved.status).toBe(301);
    expect(moved.headers).toEqual({ Location: `${siteOrigin}/about` });
  });

  it('ignores meta-like text in attribute values: only meta elements the page created count', async () => {
    const result = await rendered('/injected');
    expect(result.html).toContain('a comment');
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({});
  });

  // Sessions are reused across renders under `wrangler dev` (and in production); under the vitest
  // plugin a disconnected session still lists its connection, so each render here gets a new one.
  it('starts every render clean: no cookie or storage from an earlier render', async () => {
    await rendered('/state');
    expect(textOf((await rendered('/state')).html, 'app')).toBe('cookie=; stored=');
  });

  it('blocks images', async () => {
    const result = await rendered('/images');
    expect(textOf(result.html, 'app')).toBe('image: blocked');
  });

  it('sends X-Prerender-Render: 1 and a Prerender User-Agent, mobile or desktop', async () => {
    const desktop = await rendered('/headers', 'desktop');
    expect(textOf(desktop.html, 'marker')).toBe('1');
    expect(textOf(desktop.html, 'ua')).toMatch(/Prerender/);
    expect(textOf(desktop.html, 'ua')).not.toMatch(/Mobile|HeadlessChrome/);
    const mobile = await rendered('/headers', 'mobile');
    expect(textOf(mobile.html, 'ua')).toMatch(/Android.*Mobile.*Prerender/);
  });

  it('lets the page reach the allowed API but nothing off-site, not even through a redirect', async () => {
    const result = await rendered('/ssrf');
    expect(textOf(result.html, 'app')).toBe('api: reached; offsite: blocked; redirected: blocked');
  });

  it('reports a server redirect of the page instead of following it off-site', async () => {
    const result = await rendered('/redirect-away');
    expect(result).toMatchObject({ status: 302, html: '', headers: { Location: `${offsiteOrigin}/secret` } });
  });

  it('refuses to render another origin (403)', async () => {
    const response = await render({ url: `${offsiteOrigin}/secret`, device: 'desktop' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'origin_not_allowed', field: 'url' } });
  });
});
