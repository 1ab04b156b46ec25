// `assets` rows: bytes on the wire for the demo's JS + CSS per encoding against on-the-fly gzip -6,
// and requests/s of a hashed script against the bare baseline and against a plain ASSETS pass-through.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { root } from '../../scripts/workers.mjs';
import { ASSETS_OUT, MANIFEST_PATH, buildAssets } from '../../scripts/build.mjs';

/** Ceilings for ours / on-the-fly gzip -6 (smaller is better). Brotli's comes from the issue. */
const BYTES_GOALS = { br: 0.85, zstd: 0.9, gzip: 1.0 };

/** @param {import('../lib.mjs').Bench} bench */
export default async function assets(bench) {
  await buildAssets({ quiet: true });
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
  const worker = await bench.start('assets');

  // (a) bytes on the wire: what a client that accepts one coding receives, summed over JS + CSS.
  const bundlePaths = Object.keys(manifest.files).filter((p) => /\.(js|css)$/.test(p));
  const gzip6 = bundlePaths.reduce((sum, p) => sum + gzipSync(readFileSync(join(ASSETS_OUT, p)), { level: 6 }).length, 0);
  for (const encoding of ['br', 'zstd', 'gzip']) {
    let ours = 0;
    for (const path of bundlePaths) ours += await wireBytes(`${worker.url}${path}`, encoding);
    bench.size({
      scenario: `assets: demo JS+CSS ${encoding} bytes`,
      ours,
      reference: gzip6,
      baselineName: `on-the-fly gzip -6 (${bundlePaths.length} files)`,
      goal: BYTES_GOALS[encoding],
    });
  }

  // (b) throughput of the biggest hashed script, negotiated to Brotli.
  const [scriptPath, entry] = Object.entries(manifest.files)
    .filter(([p]) => p.endsWith('.js'))
    .sort(([, a], [, b]) => b.variants.at(-1).size - a.variants.at(-1).size)[0];
  const brSize = entry.variants.find((v) => v.encoding === 'br').size;
  // Same body length as our answer, a type Miniflare's outer layer does not compress: only the
  // worker's own work differs between the two.
  const base = await bench.baseline({ headers: { 'Content-Type': 'application/octet-stream' }, body: 'x'.repeat(brSize) });
  await bench.compare({
    scenario: 'assets: hashed JS, negotiated to br',
    request: { url: `${worker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'br' } },
    baselineName: `bare worker: constant ${brSize} B`,
    baseline: { url: `${base.url}/` },
    goal: 0.8,
    expectStatus: 200,
  });

  // The same constant worker placed behind the same Static Assets router (`run_worker_first`): the
  // router hop is a cost of the Static Assets design, not of this worker's code; this row isolates the latter.
  const routed = await startBehindRouter(bench, 'assets-constant', join(root, 'bench', 'baseline', 'worker.js'), {
    STATUS: '200',
    HEADERS: JSON.stringify({ 'Content-Type': 'application/octet-stream' }),
    BODY: 'x'.repeat(brSize),
  });
  try {
    await bench.compare({
      scenario: 'assets: hashed JS br vs constant worker behind the same assets router',
      request: { url: `${worker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'br' } },
      baselineName: `constant ${brSize} B, run_worker_first`,
      baseline: { url: `${routed.url}/` },
      goal: 0.9,
      expectStatus: 200,
    });
  } finally {
    await routed.mf.dispose();
  }

  // Against the bare binding: both send the identity bytes (the binding cannot negotiate, and an
  // identity-only Accept-Encoding keeps Miniflare's outer layer from compressing on the fly).
  const passthrough = await startBehindRouter(bench, 'assets-passthrough', join(root, 'bench', 'fixtures', 'assets-passthrough', 'worker.js'));
  try {
    await bench.compare({
      scenario: 'assets: hashed JS vs ASSETS pass-through',
      request: { url: `${worker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'identity' } },
      baselineName: 'worker returning env.ASSETS.fetch(request)',
      baseline: { url: `${passthrough.url}${scriptPath}`, headers: { 'Accept-Encoding': 'identity' } },
      goal: 0.9,
      expectStatus: 200,
    });
  } finally {
    await passthrough.mf.dispose();
  }
}

/** Another script with [env.assets]'s own options (the ASSETS binding, run_worker_first) and `bindings`. */
async function startBehindRouter(bench, name, scriptPath, bindings = {}) {
  const options = bench.workerOptions('assets');
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...options,
          name,
          scriptPath,
          modulesRoot: dirname(scriptPath),
          modulesRules: undefined,
          bindings: { ...options.bindings, ...bindings },
        },
      ],
      cf: false,
      port: 0,
    }),
  );
  return { url: (await mf.ready).href.replace(/\/$/, ''), mf };
}

/** Body bytes as sent (node:http does not decode), asking for one coding only. */
function wireBytes(url, encoding) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'Accept-Encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
