/** The renderer's HTTP API: POST /render (shared/render/protocol.ts). */
import { Hono } from 'hono';
import { requireBearer } from '../../../shared/http/auth.ts';
import { readJson } from '../../../shared/http/body.ts';
import { methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { log } from '../../../shared/log.ts';
import type { RenderResult } from '../../../shared/render/protocol.ts';
import { renderWithBrowserRendering } from './browser-rendering.ts';
import { rendererConfig, type RendererConfig } from './config.ts';
import type { PageJob } from './render-page.ts';
import { renderFailure } from './render-errors.ts';
import { MAX_BODY_BYTES, renderTarget, type RenderTarget } from './render-request.ts';
import { pageAnswer, type PageSnapshot } from './render-result.ts';
import { renderWithService } from './render-service-client.ts';

/**
 * Renders one page in a headless browser (when RENDER_SERVICE_URL is empty). In the worker that is
 * Browser Rendering through the BROWSER binding; the self-hosted render service
 * (services/render-service) serves this same app on Node and sets its own Chromium here through the
 * `browserRender` context variable.
 */
export type BrowserRender = (job: Omit<PageJob, 'chromeMajor'>) => Promise<PageSnapshot>;

export type RendererApp = { Bindings: RendererEnv; Variables: { browserRender?: BrowserRender } };

export const app = new Hono<RendererApp>();
app.onError(withOnError());
app.notFound(withNotFound());

app.post(
  '/render',
  requireBearer<RendererApp>((c) => rendererConfig(c.env).tokens),
  async function render(c) {
    const startedAt = Date.now();
    const config = rendererConfig(c.env);
    const target = renderTarget(await readJson(c.req.raw, MAX_BODY_BYTES), config.policy);

    const own = c.get('browserRender');
    const via = config.serviceUrl ? 'service' : own ? 'local-chromium' : 'browser-rendering';
    let answer: Pick<RenderResult, 'html' | 'markdown' | 'status' | 'headers' | 'dependencies'>;
    try {
      const browserRender: BrowserRender = own ?? ((job) => renderWithBrowserRendering(c.env.BROWSER, job));
      answer = await renderWith(target, config, browserRender, c.env.RENDER_TOKEN);
    } catch (error) {
      const failure = renderFailure(error, config.timeoutMs);
      log('warn', 'render.failed', {
        url: target.url.href,
        device: target.device,
        via,
        status: failure.status,
        code: failure.code,
        message: failure.message,
        ms: Date.now() - startedAt,
      });
      throw failure;
    }
    const totalMs = Date.now() - startedAt;
    log('info', 'render', {
      url: target.url.href,
      device: target.device,
      via,
      status: answer.status,
      ms: totalMs,
      bytes: answer.html.length,
      markdownBytes: answer.markdown?.length ?? null,
      dependencies: answer.dependencies?.requests.length ?? null,
    });
    const result: RenderResult = { ...answer, renderedAt: new Date().toISOString(), timings: { totalMs } };
    return Response.json(result, {
      // lets the edge and devtools see the render cost.
      headers: { 'Cache-Control': 'no-store', 'Server-Timing': `render;dur=${totalMs}` },
    });
  },
);

app.all('/render', function renderMethods() {
  throw methodNotAllowed(['POST']);
});

async function renderWith(target: RenderTarget, config: RendererConfig, browserRender: BrowserRender, token: string) {
  if (config.serviceUrl) {
    return renderWithService({ serviceUrl: config.serviceUrl, token, url: target.url, device: target.device, timeoutMs: config.timeoutMs });
  }
  const snapshot = await browserRender({
    ...target,
    policy: config.policy,
    timeoutMs: config.timeoutMs,
    budget: config.budget,
  });
  return pageAnswer(snapshot, target.url);
}
