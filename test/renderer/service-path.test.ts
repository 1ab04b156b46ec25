/**
 * The worker with RENDER_SERVICE_URL pointing at the real self-hosted render service
 * (services/render-service, started by globalSetup on a free port with its own Chromium).
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../workers/renderer/src/index.ts';
import type { RenderResult } from '../../shared/render/protocol.ts';

const { siteOrigin, apiOrigin } = inject('fixtureSite');
const serviceUrl = inject('renderServiceUrl');

async function render(path: string, device: 'mobile' | 'desktop'): Promise<Response> {
  const request = new Request('http://renderer/render', {
    method: 'POST',
    headers: { Authorization: 'Bearer test-render-token', 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: `${siteOrigin}${path}`, device }),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    request,
    { ...env, SITE_ORIGINS: siteOrigin, RENDER_ALLOWED_ORIGINS: apiOrigin, RENDER_SERVICE_URL: serviceUrl } as unknown as RendererEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe('renderer through the self-hosted render service', () => {
  it('renders JavaScript content and the page metas through the service', async () => {
    const ready = await render('/ready', 'mobile');
    expect(ready.status).toBe(200);
    expect((await ready.json<RenderResult>()).html).toContain('ready-content');
    const moved = await render('/moved', 'desktop');
    expect(await moved.json()).toMatchObject({ status: 301, headers: { Location: `${siteOrigin}/about` } });
  });

  it("passes the service's 504 on", async () => {
    const response = await render('/never-ready', 'desktop');
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { code: 'render_timeout' } });
  });
});
