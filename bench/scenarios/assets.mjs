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
/** @typedef {import('../../scripts/build.mjs').BuildManifest} BuildManifest */

/** @param {import('../lib.mjs').Bench} bench */
export default async function assets(bench) {
  await buildAssets({ quiet: true, spaDist: null }); // the rows measure the demo's bundle
  /** @type {BuildManifest} */
  const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
  const worker = await bench.start('assets');

  // (a) bytes on the wire: what a client that accepts one coding receives, summed over JS + CSS.
  const bundlePaths = Object.keys(manifest.files).filter((p) => /\.(js|css)$/.test(p));
  const gzip6 = bundlePaths.reduce((sum, p) => sum + gzipSync(readFileSync(join(ASSETS_OUT, p)), { level: 6 }).length, 0);
  for (const encoding of /** @type {const} */ (['br', 'zstd', 'gzip'])) {
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
  const largest = Object.entries(manifest.files)
    .filter(([p]) => p.endsWith('.js'))
    .sort(([, a], [, b]) => (b.variants.at(-1)?.size ?? 0) - (a.variants.at(-1)?.size ?? 0))[0];
  if (!largest) throw new Error('assets bench: the build has no script');
  const [scriptPath, entry] = largest;
  const br = entry.variants.find((v) => v.encoding === 'br');
  if (!br) throw new Error(`assets bench: ${scriptPath} has no br variant`);
  const brSize = br.size;
  // The baseline answers the very same bytes with the same encoding headers, so both sides pay
  // whatever the runtime does with a Brotli body; only the worker's own work differs.
  const brBytes = readFileSync(join(ASSETS_OUT, br.path));
  const brHeaders = { 'Content-Type': entry.contentType, 'Content-Encoding': 'br', Vary: 'Accept-Encoding' };
  const base = await bench.baseline({ headers: brHeaders, body: new Uint8Array(brBytes) });
  await bench.compare({
    scenario: 'assets: hashed JS, negotiated to br',
    request: { url: `${worker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'br' } },
    baselineName: `bare worker: the same ${brSize} B of br, constant`,
    baseline: { url: `${base.url}/`, headers: { 'Accept-Encoding': 'br' } },
    goal: 0.8,
    expectStatus: 200,
  });

  const routed = await startBehindRouter(bench, 'assets-constant', join(root, 'bench', 'baseline', 'worker.js'), {
    STATUS: '200',
    HEADERS: JSON.stringify(brHeaders),
    BODY_BASE64: brBytes.toString('base64'),
  });
  try {
    await bench.compare({
      scenario: 'assets: hashed JS br vs constant worker behind the same assets router',
      request: { url: `${worker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'br' } },
      baselineName: `constant ${brSize} B, run_worker_first`,
      baseline: { url: `${routed.url}/`, headers: { 'Accept-Encoding': 'br' } },
      goal: 0.9,
      expectStatus: 200,
    });
  } finally {
    await routed.mf.dispose();
  }

  // Against the bare binding: both send the identity bytes (the binding cannot negotiate, and an
  // identity-only Accept-Encoding keeps Miniflare's outer layer from compressing on the fly).
  const passthrough = await startBehindRouter(
    bench,
    'assets-passthrough',
    join(root, 'bench', 'fixtures', 'assets-passthrough', 'worker.js'),
  );
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

/**
 * Another script with [env.assets]'s own options (the ASSETS binding, run_worker_first) and `bindings`.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} name
 * @param {string} scriptPath
 * @param {Record<string, string>} [bindings]
 */
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
          bindings: { .../** @type {Record<string, import('miniflare').Json>} */ (options.bindings), ...bindings },
        },
      ],
      cf: false,
      port: 0,
    }),
  );
  return { url: (await mf.ready).href.replace(/\/$/, ''), mf };
}

/**
 * Body bytes as sent (node:http does not decode), asking for one coding only.
 * @param {string} url
 * @param {string} encoding
 * @returns {Promise<number>}
 */
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
