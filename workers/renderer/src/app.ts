/** The renderer's HTTP API: POST /render (shared/render/protocol.ts). */
import type { BrowserWorker } from '@cloudflare/puppeteer';
import { Hono } from 'hono';
import { requireBearer } from '../../../shared/http/auth.ts';
import { readJson } from '../../../shared/http/body.ts';
import { methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { log } from '../../../shared/log.ts';
import { renderWithBrowserRendering } from './browser-rendering.ts';
import { rendererConfig, type RendererConfig } from './config.ts';
import type { RenderResult } from '../../../shared/render/protocol.ts';
import { renderFailure } from './render-errors.ts';
import { MAX_BODY_BYTES, renderTarget, type RenderTarget } from './render-request.ts';
import { pageAnswer } from './render-result.ts';
import { renderWithService } from './render-service-client.ts';

export const app = new Hono<{ Bindings: RendererEnv }>();
app.onError(withOnError());
app.notFound(withNotFound());

app.post(
  '/render',
  requireBearer<{ Bindings: RendererEnv }>((c) => rendererConfig(c.env).tokens),
  async function render(c) {
    const startedAt = Date.now();
    const config = rendererConfig(c.env);
    const target = renderTarget(await readJson(c.req.raw, MAX_BODY_BYTES), config.policy);

    const via = config.serviceUrl ? 'service' : 'browser-rendering';
    let answer: Pick<RenderResult, 'html' | 'status' | 'headers'>;
    try {
      answer = await renderWith(target, config, c.env.BROWSER, c.env.RENDER_TOKEN);
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
    });
    const result: RenderResult = { ...answer, renderedAt: new Date().toISOString(), timings: { totalMs } };
    return Response.json(result, {
      // https://www.w3.org/TR/server-timing/ : lets the edge and devtools see the render cost.
      headers: { 'Cache-Control': 'no-store', 'Server-Timing': `render;dur=${totalMs}` },
    });
  },
);

app.all('/render', function renderMethods() {
  throw methodNotAllowed(['POST']);
});

async function renderWith(target: RenderTarget, config: RendererConfig, browser: BrowserWorker, token: string) {
  if (config.serviceUrl) {
    return renderWithService({ serviceUrl: config.serviceUrl, token, url: target.url, device: target.device, timeoutMs: config.timeoutMs });
  }
  const snapshot = await renderWithBrowserRendering(browser, {
    ...target,
    policy: config.policy,
    timeoutMs: config.timeoutMs,
    budget: config.budget,
  });
  return pageAnswer(snapshot, target.url);
}
