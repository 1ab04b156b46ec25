// The renderer: what one render costs in a real local Chromium, through both paths (Browser
// Rendering binding in Miniflare, and the self-hosted render service), the deploy bundle size, and
// how much smaller the Markdown of a demo article is than its HTML snapshot.
// Render time is recorded against a budget (ratio = render ms / budget, a ceiling of 1.0), not
// asserted anywhere in the tests.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ASSETS_OUT, buildAssets } from '../../scripts/build.mjs';
import { ensureBrowserRenderingShim } from '../../scripts/chromium.mjs';
import { contentApi } from '../../demo/content/api.mjs';
import { startFixtureSite } from '../../test/renderer-node/fixture-site.ts';
import { startRenderServiceProcess } from '../../test/renderer-node/render-service-process.ts';

const TOKEN = 'bench-render-token';
/** A render of a page that declares itself ready at once should fit in this (0.3-1.2 s measured here). */
const RENDER_BUDGET_MS = 1500;

/** @param {import('../lib.mjs').Bench} bench */
export default async function renderer(bench) {
  // Miniflare's Browser Rendering would download Chrome; the shim execs the packaged Chromium.
  process.env.XDG_CACHE_HOME = (await ensureBrowserRenderingShim()).XDG_CACHE_HOME;
  const site = await startFixtureSite();
  const settings = {
    SITE_ORIGINS: site.siteOrigin,
    RENDER_ALLOWED_ORIGINS: site.apiOrigin,
    RENDER_TIMEOUT_MS: '10000',
    RENDER_IDLE_CAP_MS: '3000',
  };
  try {
    const worker = await bench.start('renderer', { vars: settings, secrets: { RENDER_TOKEN: TOKEN } });
    await recordRenders(bench, 'Browser Rendering binding (Miniflare, local Chromium)', worker.url, site);

    const service = await startRenderServiceProcess({ ...settings, RENDER_TOKEN: TOKEN });
    try {
      await recordRenders(bench, 'self-hosted render service (services/render-service)', service.url, site);
    } finally {
      await service.stop();
    }
  } finally {
    await site.close();
  }

  await markdownBytes(bench);

  const outdir = bench.bundle('renderer');
  const bytes = readdirSync(outdir)
    .filter((f) => /\.m?js$/.test(f))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
  bench.size({
    scenario: 'renderer bundle gzip bytes',
    ours: bytes,
    reference: 400 * 1024,
    baselineName: '400 KB budget (scripts/check.mjs)',
    goal: 1.0,
  });
}

/**
 * Sequential renders of two pages: one with `prerenderReady`, one that waits for network idle.
 * Each render is a round, its ratio its time over the budget (lower is better, the budget a
 * ceiling); the first render of each path launches the browser and is not counted.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} path
 * @param {string} url
 * @param {{ siteOrigin: string }} site
 */
async function recordRenders(bench, path, url, site) {
  /** @param {string} page @param {string} device */
  const render = async (page, device) => {
    const started = performance.now();
    const response = await fetch(`${url}/render`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${site.siteOrigin}${page}`, device }),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`renderer bench: ${path} ${page} answered ${response.status}: ${body.slice(0, 200)}`);
    return performance.now() - started;
  };
  await render('/images', 'desktop');
  for (const [page, what] of /** @type {const} */ ([
    ['/images', 'prerenderReady page'],
    ['/js-only', 'network-idle page'],
  ])) {
    await bench.paired({
      scenario: `renderer: render a ${what}, ${path}`,
      baselineName: `${RENDER_BUDGET_MS} ms budget`,
      goal: 1.0,
      better: 'lower',
      unit: 'ms',
      round: async (/** @type {number} */ i) => ({ ours: await render(page, i % 2 ? 'mobile' : 'desktop'), base: RENDER_BUDGET_MS }),
    });
  }
}

/** The demo articles whose Markdown is weighed against their HTML snapshots. */
const ARTICLES = ['/article/1', '/article/2', '/article/3', '/article/4'];

/**
 * Markdown bytes of the demo articles over their HTML snapshot bytes: each rendered once through the
 * self-hosted render service (real Chromium) from the demo build, served by a plain static server
 * here; the snapshot is the rendered HTML as the edge stores it (workers/edge/src/snapshot.ts:
 * scripts but JSON-LD removed, module preloads removed, the render comment added).
 * @param {import('../lib.mjs').Bench} bench
 */
async function markdownBytes(bench) {
  await buildAssets({ quiet: true, spaDist: null });
  const content = contentApi();
  const server = createServer(async (req, res) => {
    // The articles' content, as the edge forwards /_content/ to the demo content API.
    if (await content.handle(req, res, new URL(req.url ?? '/', 'http://x'))) return;
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(ASSETS_OUT, path);
    const found = existsSync(file) && statSync(file).isFile() ? file : extname(path) ? null : join(ASSETS_OUT, 'index.html');
    if (!found) return void res.writeHead(404).end();
    const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
    res.writeHead(200, { 'Content-Type': types[/** @type {keyof typeof types} */ (extname(found))] ?? 'application/octet-stream' });
    res.end(readFileSync(found));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  const service = await startRenderServiceProcess({ SITE_ORIGINS: origin, RENDER_TOKEN: TOKEN, RENDER_TIMEOUT_MS: '10000' });
  let markdown = 0;
  let html = 0;
  try {
    for (const article of ARTICLES) {
      const response = await fetch(`${service.url}/render`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${origin}${article}`, device: 'desktop' }),
      });
      const result = /** @type {{ html: string, markdown?: string, renderedAt: string }} */ (await response.json());
      if (response.status !== 200 || !result.markdown) throw new Error(`renderer bench: ${article} gave no Markdown (${response.status})`);
      markdown += Buffer.byteLength(result.markdown);
      html += Buffer.byteLength(snapshotOf(result.html, result.renderedAt));
    }
  } finally {
    await service.stop();
    await new Promise((resolve) => server.close(() => resolve(undefined)));
  }
  bench.size({
    scenario: `renderer: demo article Markdown vs HTML snapshot (${ARTICLES.length} articles), bytes`,
    ours: markdown,
    reference: html,
    baselineName: 'the HTML snapshots the edge stores for them',
    goal: 0.25,
  });
}

/** The edge's snapshot of a rendered page (snapshot.ts: `cleanSnapshot`, then `stampSnapshot`). @param {string} html @param {string} renderedAt */
function snapshotOf(html, renderedAt) {
  const cleaned = html
    .replace(/<script\b(?![^>]*type\s*=\s*["']?application\/ld\+json)[^>]*>[\s\S]*?<\/script>/gi, '')
    .replace(/<link\b[^>]*rel=["']?(?:modulepreload|preload)["']?[^>]*>/gi, (link) =>
      /rel=["']?preload/i.test(link) && !/as=["']?script/i.test(link) ? link : '',
    );
  return `${cleaned}\n<!-- prerendered by edge at ${renderedAt} -->\n`;
}
