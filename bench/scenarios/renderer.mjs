// The renderer: what one render costs in a real local Chromium, through both paths (Browser
// Rendering binding in Miniflare, and the self-hosted render service), and the deploy bundle size.
// Render time is recorded against a budget (ratio = render ms / budget, a ceiling of 1.0), not
// asserted anywhere in the tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureBrowserRenderingShim } from '../../scripts/chromium.mjs';
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
