// A self-hosted render service speaking the renderer worker's protocol (workers/renderer/src/protocol.ts):
// what a company running its own render fleet puts behind RENDER_SERVICE_URL. Node + puppeteer-core
// on a local Chromium (scripts/chromium.mjs), sharing the page-driving code with the worker.
//
//   RENDER_TOKEN=secret SITE_ORIGINS=http://localhost:8787 node demo/render-service/server.mjs
//   POST /render  Authorization: Bearer secret  {"url": "http://localhost:8787/article/1", "device": "mobile"}
//
// Environment: PORT (8794; 0 picks a free port), HOST (127.0.0.1), RENDER_TOKEN (required),
// SITE_ORIGINS, RENDER_ALLOWED_ORIGINS, RENDER_TIMEOUT_MS, RENDER_IDLE_CAP_MS (as the worker),
// RENDER_CONCURRENCY (pages rendered at once; more get 503 + Retry-After).
// Node >= 22.18 runs the shared .ts modules directly (type stripping).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, launchChromium } from '../../scripts/chromium.mjs';
import { HttpError, errorToResponse, methodNotAllowed, notFound, unauthorized } from '../../shared/http/errors.ts';
import { rendererConfig } from '../../workers/renderer/src/config.ts';
import { chromeMajorVersion } from '../../workers/renderer/src/devices.ts';
import { browserUnavailable, renderFailure, withDeadline } from '../../workers/renderer/src/render-errors.ts';
import { renderPage } from '../../workers/renderer/src/render-page.ts';
import { MAX_BODY_BYTES, parseRenderBody, renderTarget } from '../../workers/renderer/src/render-request.ts';
import { pageAnswer } from '../../workers/renderer/src/render-result.ts';

const CONTEXT_CLOSE_MS = 2_000;
// `--single-process` cannot open a second browser context ("Target.createTarget: Target closed"),
// and a context per render is what keeps renders apart; the packaged Chromium runs multi-process here.
const MULTI_PROCESS_ARGS = CHROMIUM_ARGS.filter((arg) => arg !== '--single-process');

/**
 * Starts the service. `settings` holds the worker's variables as strings (default: process.env).
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startRenderService({ port = 8794, host = '127.0.0.1', settings = process.env, concurrency } = {}) {
  const config = rendererConfig(settings);
  if (config.tokens.length === 0) throw new Error('RENDER_TOKEN is required: the service renders nothing for anonymous callers');
  const maxPages = Number(concurrency ?? settings.RENDER_CONCURRENCY ?? 2);
  const tokenDigests = config.tokens.map(sha256);
  const browsers = browserPool();
  let active = 0;

  async function handle(req) {
    const url = new URL(req.url ?? '/', 'http://render-service');
    if (url.pathname !== '/render') throw notFound(`no route for ${req.method} ${url.pathname}`);
    if (req.method !== 'POST') throw methodNotAllowed(['POST']);
    if (!authorised(req.headers.authorization, tokenDigests)) throw unauthorized();
    const target = renderTarget(parseRenderBody(await readBody(req)), config.policy);
    if (active >= maxPages) throw browserUnavailable(`all ${maxPages} render slots are busy`, 1);
    active++;
    const startedAt = Date.now();
    try {
      const browser = await browsers.get();
      // A fresh context per render: no cookie, cache or storage leaks from one page to the next.
      const context = await browser.createBrowserContext();
      try {
        const page = await context.newPage();
        const chromeMajor = chromeMajorVersion(await browser.version());
        const snapshot = await renderPage(page, {
          ...target,
          chromeMajor,
          policy: config.policy,
          timeoutMs: config.timeoutMs,
          budget: config.budget,
        });
        const answer = pageAnswer(snapshot, target.url);
        const totalMs = Date.now() - startedAt;
        console.log(
          JSON.stringify({
            level: 'info',
            event: 'render',
            url: target.url.href,
            device: target.device,
            status: answer.status,
            ms: totalMs,
          }),
        );
        return Response.json(
          { ...answer, renderedAt: new Date().toISOString(), timings: { totalMs } },
          {
            headers: { 'Cache-Control': 'no-store', 'Server-Timing': `render;dur=${totalMs}` },
          },
        );
      } finally {
        await withDeadline(context.close(), CONTEXT_CLOSE_MS).catch(() => {});
      }
    } catch (error) {
      throw renderFailure(error, config.timeoutMs);
    } finally {
      active--;
    }
  }

  const server = createServer((req, res) => {
    handle(req)
      .catch((error) => (error instanceof HttpError ? error.toResponse() : errorToResponse(error)))
      .then((response) => send(res, response));
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await browsers.close();
    },
  };
}

/** One Chromium, launched on first use and again if it crashed or was closed. */
function browserPool() {
  let launching = null;
  return {
    async get() {
      const current = launching && (await launching.catch(() => null));
      if (current?.connected) return current;
      launching = launchChromium({ args: MULTI_PROCESS_ARGS });
      try {
        return await launching;
      } catch (error) {
        launching = null;
        throw browserUnavailable(`Chromium could not be started: ${error.message}`);
      }
    },
    async close() {
      const current = launching && (await launching.catch(() => null));
      await current?.close().catch(() => {});
    },
  };
}

function sha256(value) {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of the bearer token (RFC 6750 §2.1) against each accepted token. */
function authorised(header, tokenDigests) {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const candidate = sha256(match[1]);
  let ok = false;
  for (const digest of tokenDigests) if (timingSafeEqual(candidate, digest)) ok = true;
  return ok;
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    // Stop reading early; parseRenderBody turns the oversized text into the 400.
    if (size > MAX_BODY_BYTES) return 'x'.repeat(MAX_BODY_BYTES + 1);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function send(res, response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const service = await startRenderService({ port: Number(process.env.PORT ?? 8794), host: process.env.HOST ?? '127.0.0.1' });
  console.log(`render service listening on ${service.url}`);
  const stop = () => service.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
