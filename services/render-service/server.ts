/**
 * The self-hosted render service: the renderer worker's own Hono app (workers/renderer/src/app.ts)
 * served on Node by @hono/node-server, rendering in a local Chromium instead of Browser Rendering.
 * Same routes, same token check, same errors as the worker; what a company running its own render
 * fleet puts behind the renderer's RENDER_SERVICE_URL (README.md beside this file).
 *
 *   RENDER_TOKEN=secret SITE_ORIGINS=https://www.example.com npm run render-service
 *
 * Environment: the renderer's settings (RENDER_TOKEN, required; SITE_ORIGINS, RENDER_ALLOWED_ORIGINS,
 * RENDER_TIMEOUT_MS, RENDER_IDLE_CAP_MS), PORT (8795; 0 picks a free port), HOST (127.0.0.1),
 * RENDER_CONCURRENCY (pages rendered at once, default 2; more get 503 + Retry-After), CHROMIUM_PATH.
 */
import './web-crypto.ts';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { withNotFound, withOnError } from '../../shared/http/hono.ts';
import { app, type RendererApp } from '../../workers/renderer/src/app.ts';
import { rendererConfig, type RendererSettings } from '../../workers/renderer/src/config.ts';
import { localChromium } from './chromium.ts';

export const DEFAULT_PORT = 8795;

export interface RenderService {
  url: string;
  close(): Promise<void>;
}

export interface RenderServiceOptions {
  port?: number;
  host?: string;
  /** The renderer's settings as strings (default: process.env). */
  settings?: RendererSettings & { RENDER_CONCURRENCY?: string };
}

export async function startRenderService(options: RenderServiceOptions = {}): Promise<RenderService> {
  const { port = DEFAULT_PORT, host = '127.0.0.1', settings = process.env } = options;
  // The service is itself the render backend: it never forwards to another service.
  const env = { ...pick(settings), RENDER_SERVICE_URL: '' } as unknown as RendererEnv;
  const config = rendererConfig(env); // a malformed setting stops the start, not every request
  if (config.tokens.length === 0) throw new Error('RENDER_TOKEN is required: the service renders nothing for anonymous callers');
  const concurrency = Number(settings.RENDER_CONCURRENCY ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`RENDER_CONCURRENCY must be a positive integer, got ${concurrency}`);
  const chromium = localChromium(concurrency);

  const service = new Hono<RendererApp>();
  service.onError(withOnError());
  service.notFound(withNotFound());
  service.use(async function useLocalChromium(c, next) {
    c.set('browserRender', chromium.render);
    await next();
  });
  service.route('/', app);

  const server = await new Promise<ServerType>((resolve, reject) => {
    const listening = serve({ fetch: (request) => service.fetch(request, env), port, hostname: host }, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    async close() {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await chromium.close();
    },
  };
}

/** The renderer's settings only: the rest of a process environment is no business of the app's. */
function pick(settings: RendererSettings): RendererSettings {
  const { SITE_ORIGINS, RENDER_ALLOWED_ORIGINS, RENDER_TIMEOUT_MS, RENDER_IDLE_CAP_MS, RENDER_TOKEN } = settings;
  return { SITE_ORIGINS, RENDER_ALLOWED_ORIGINS, RENDER_TIMEOUT_MS, RENDER_IDLE_CAP_MS, RENDER_TOKEN };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const service = await startRenderService({
      port: Number(process.env.PORT ?? DEFAULT_PORT),
      host: process.env.HOST ?? '127.0.0.1',
    });
    console.log(`render service listening on ${service.url}`);
    const stop = () => void service.close().finally(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    console.error(`render service: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
