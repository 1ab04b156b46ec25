/**
 * The worker with RENDER_SERVICE_URL set forwards to a self-hosted render service; the service is
 * mocked at the network here (its real counterpart is tested in test/renderer-node/).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import worker from '../../workers/renderer/src/index.ts';
import type { RenderResult } from '../../shared/render/protocol.ts';
import { mockNetwork, type MockNetwork } from '../support/network.ts';

const SERVICE = 'http://render-fleet.internal:9000';
const PAGE = 'http://localhost:8787/article/1';
let network: MockNetwork;
afterEach(() => network.restore());

async function render(url = PAGE, vars: Record<string, string> = {}): Promise<Response> {
  const request = new Request('http://renderer/render', {
    method: 'POST',
    headers: { Authorization: 'Bearer test-render-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, device: 'mobile' }),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    request,
    { ...env, RENDER_SERVICE_URL: SERVICE, RENDER_TIMEOUT_MS: '300', ...vars } as unknown as RendererEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const result: RenderResult = {
  html: '<html><body>hi</body></html>',
  status: 404,
  headers: { 'X-Robots-Tag': 'noindex' },
  renderedAt: '2026-11-23T00:00:00.000Z',
  timings: { totalMs: 12 },
};

describe('renderer with RENDER_SERVICE_URL', () => {
  it('forwards the request with the token and passes the result through', async () => {
    network = mockNetwork().on('POST', `${SERVICE}/render`, () => Response.json(result), 1);
    const response = await render();
    expect(response.status).toBe(200);
    const body = await response.json<RenderResult>();
    expect(body).toMatchObject({ html: result.html, status: 404, headers: { 'X-Robots-Tag': 'noindex' } });
    const sent = network.requests[0]!;
    expect(sent.headers.get('Authorization')).toBe('Bearer test-render-token');
    expect(await sent.json()).toEqual({ url: PAGE, device: 'mobile' });
  });

  it.each(['http://127.0.0.1:8787/article/1', 'http://[::1]:8787/article/1#comments'])(
    'renders a page asked for on another origin of the site (%s) on the canonical origin',
    async (url) => {
      network = mockNetwork().on('POST', `${SERVICE}/render`, () => Response.json(result), 1);
      expect((await render(url)).status).toBe(200);
      expect(await network.requests[0]!.json()).toEqual({ url: PAGE, device: 'mobile' });
    },
  );

  it.each([
    ['RENDER_TIMEOUT_MS', { RENDER_TIMEOUT_MS: 'soon' }],
    ['SITE_ORIGINS', { SITE_ORIGINS: 'localhost' }],
    ['RENDER_SERVICE_URL', { RENDER_SERVICE_URL: 'file:///etc/passwd' }],
  ])('a malformed %s is a 500 naming it, and nothing is rendered', async (variable, vars) => {
    network = mockNetwork();
    const response = await render(PAGE, vars);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'config_invalid', field: variable } });
    expect(network.requests).toEqual([]);
  });

  it.each([
    ['a 504 from the service', 504, 'render_timeout', () => Response.json({ error: { code: 'render_timeout' } }, { status: 504 })],
    ['a 503 from the service', 503, 'browser_unavailable', () => new Response('busy', { status: 503, headers: { 'Retry-After': '7' } })],
    ['a 401 from the service (token mismatch)', 502, 'render_service_failed', () => new Response('no', { status: 401 })],
    ['a 200 that is not a render result', 502, 'render_service_failed', () => Response.json({ hello: 'world' })],
    [
      'a service that is down',
      503,
      'browser_unavailable',
      () => {
        throw new TypeError('connection refused');
      },
    ],
    ['a service that hangs past the timeout', 504, 'render_timeout', () => new Promise<Response>(() => {})],
  ] as const)('maps %s to %i %s', async (_, status, code, handler) => {
    network = mockNetwork().on('POST', `${SERVICE}/render`, handler, 1);
    const response = await render();
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
  });
});
