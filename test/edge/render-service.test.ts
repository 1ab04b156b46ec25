import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { ORIGIN, UA, callEdge, renderCount, uniquePath } from './helpers.ts';
import { pageHtml } from './pages.ts';

// RENDER_SERVICE_URL set: renders come from a prerender.io-compatible service over HTTP
// (`GET <service>/<page url>`), not from the renderer binding.
const SERVICE = 'http://prerender.internal:3000';

let network: MockNetwork;
afterEach(() => network.restore());

// One env object for the file: the renders of one isolate state.
const serviceEnv = { ...env, RENDER_SERVICE_URL: SERVICE } as unknown as EdgeEnv;

async function call(path: string) {
  const { response, settled } = await callEdge(path, UA.googlebot, {}, serviceEnv);
  await settled();
  return response;
}

describe('self-hosted render service', () => {
  it('renders through GET <service>/<url> with the token in X-Prerender-Token', async () => {
    const path = uniquePath('service');
    network = mockNetwork().on(
      'GET',
      `${SERVICE}/${ORIGIN}${path}`,
      () => new Response(pageHtml(path, 'service'), { headers: { 'Content-Type': 'text/html' } }),
      1,
    );
    const response = await call(path);
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    expect(await response.text()).toContain(`Rendered ${path} for service`);
    expect(network.requests[0]!.headers.get('X-Prerender-Token')).toBe('test-render-token');
    expect(await renderCount(path)).toBe(0);
    expect((await call(path)).headers.get('X-Prerender')).toBe('HIT');
  });

  it('takes the status and Location the service applied from the page metas', async () => {
    const path = uniquePath('service-moved');
    network = mockNetwork().on(
      'GET',
      `${SERVICE}/${ORIGIN}${path}`,
      () => new Response('', { status: 301, headers: { Location: `${ORIGIN}/about` } }),
    );
    const response = await call(path);
    expect([response.status, response.headers.get('Location')]).toEqual([301, `${ORIGIN}/about`]);
  });

  it('falls back when the service fails', async () => {
    const path = uniquePath('service-down');
    network = mockNetwork().on('GET', `${SERVICE}/${ORIGIN}${path}`, () => new Response('bad gateway', { status: 502 }));
    const response = await call(path);
    expect([response.status, response.headers.get('X-Prerender')]).toEqual([200, 'FALLBACK']);
  });
});
