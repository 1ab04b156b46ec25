// The renderer: what one render costs in a real local Chromium, through both paths (Browser
// Rendering binding in Miniflare, and the self-hosted render service), and the deploy bundle size.
// Render latency is recorded against a budget (ratio = budget / measured p50, goal 1.0), not
// asserted anywhere in the tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureBrowserRenderingShim } from '../../scripts/chromium.mjs';
import { startFixtureSite } from '../../test/renderer-node/fixture-site.ts';
import { startRenderServiceProcess } from '../../test/renderer-node/render-service-process.ts';

const TOKEN = 'bench-render-token';
/** A render of a page that declares itself ready at once should fit in this (the brief measured 0.3-1.2 s). */
const RENDER_BUDGET_MS = 1500;
const RENDERS = 8;

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
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} path
 * @param {string} url
 * @param {{ siteOrigin: string }} site
 */
async function recordRenders(bench, path, url, site) {
  for (const [page, what] of [
    ['/images', 'prerenderReady page'],
    ['/js-only', 'network-idle page'],
  ]) {
    const times = [];
    for (let i = 0; i < RENDERS + 1; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/render`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${site.siteOrigin}${page}`, device: i % 2 ? 'mobile' : 'desktop' }),
      });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`renderer bench: ${path} ${page} answered ${response.status}: ${body.slice(0, 200)}`);
      if (i > 0) times.push(performance.now() - started); // the first one launches the browser
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)] ?? NaN;
    const max = times.at(-1) ?? NaN;
    bench.record({
      scenario: `renderer: render a ${what}, ${path}: p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms over ${RENDERS}`,
      baseline: `${RENDER_BUDGET_MS} ms budget`,
      ratio: Math.round((RENDER_BUDGET_MS / p50) * 1000) / 1000,
      goal: 1.0,
      measure: 'ms/render',
      p50_ms: Math.round(p50),
    });
  }
}
