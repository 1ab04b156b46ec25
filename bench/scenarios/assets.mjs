// `assets` rows: bytes on the wire for the demo's JS + CSS per encoding against on-the-fly gzip -6;
// CPU per request of a hashed script against the bare baseline (the worker as the entry, as
// production dispatches to it: the Static Assets router is the platform's), the router's own hop as
// context, and against a plain ASSETS pass-through; after an app-only deploy of the demo: what a
// returning visitor downloads (dcz deltas against the files it kept) against the same files in
// Brotli 11, and a delta answer's CPU against a bare worker sending the same bytes.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { root } from '../../scripts/workers.mjs';
import { responseHeadersOf } from '../lib.mjs';
import { ASSETS_OUT, DEFAULT_FEED_ORIGIN, MANIFEST_PATH, SPA_OUT, SPA_SOURCE, buildAssets, writeAssets } from '../../scripts/build.mjs';
import { dictionaryHash } from '../../scripts/delta.mjs';
import { entryKey } from '../../scripts/hashed.mjs';

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
  // The worker as the entry, as production dispatches to a run_worker_first worker: the Static
  // Assets router in front of it is the platform's, and its CPU is not the worker's (startDirect).
  // The baseline answers the very same response (status, headers and body bytes), so both sides
  // pay whatever the runtime does with them; only the worker's own work differs.
  const entryWorker = await startDirect(bench, 'assets-entry', ASSETS_OUT);
  const brHeaders = await answerHeaders(`${entryWorker.url}${scriptPath}`, { 'Accept-Encoding': 'br' }, 'br');
  const base = await bench.baseline({ headers: brHeaders, body: new Uint8Array(readFileSync(join(ASSETS_OUT, br.path))) });
  try {
    await bench.compare({
      scenario: 'assets: hashed JS, negotiated to br (worker as entry)',
      request: { url: `${entryWorker.url}${scriptPath}`, headers: { 'Accept-Encoding': 'br' } },
      baselineName: `bare worker: the same response (${brSize} B of br), constant`,
      baseline: { url: `${base.url}/`, headers: { 'Accept-Encoding': 'br' } },
      goal: 0.8,
      expectStatus: 200,
    });
  } finally {
    await entryWorker.mf.dispose();
  }

  // What the entry rows leave out: Miniflare runs the Static Assets router (and its RPC proxy) in
  // the worker's own workerd process, so its CPU would count as ours. Context, no goal.
  const routed = await startBehindRouter(bench, 'assets-constant', join(root, 'bench', 'baseline', 'worker.js'), {
    STATUS: '200',
    HEADERS: JSON.stringify(brHeaders),
    BODY_BASE64: readFileSync(join(ASSETS_OUT, br.path)).toString('base64'),
  });
  try {
    await bench.compare({
      scenario: "assets: the local Static Assets router's hop (constant worker behind it vs bare worker)",
      request: { url: `${routed.url}/`, headers: { 'Accept-Encoding': 'br' } },
      baselineName: `bare worker: the same response (${brSize} B of br), constant`,
      baseline: { url: `${base.url}/`, headers: { 'Accept-Encoding': 'br' } },
      goal: null,
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

  await appOnlyDeploy(bench);
}

/** Where the app-only deploy is built: the bench's own output folder, inside the repository so Vite finds node_modules. */
const DEPLOY_DIR = join(root, 'bench', '.out', 'assets-deploy');

/**
 * A few lines of the demo's app code changed (the About page's copy), built with Vite and laid out
 * after the current demo build with a skew window, as a second deploy would be. Rows: the bytes a
 * returning visitor downloads (every file whose name changed, as the dcz delta against the version
 * it kept when there is one, plus the new index.html) against the same files in Brotli 11; and the
 * requests/s of the biggest delta against a bare worker sending the same bytes.
 * @param {import('../lib.mjs').Bench} bench
 */
async function appOnlyDeploy(bench) {
  rmSync(DEPLOY_DIR, { recursive: true, force: true });
  const source = join(DEPLOY_DIR, 'spa');
  cpSync(SPA_SOURCE, source, { recursive: true });
  const about = join(source, 'src', 'views', 'about.ts');
  const edited = readFileSync(about, 'utf8')
    .replace("'About Edge Notes'", "'About Edge Notes, the field guide'")
    .replace('prerendered by the edge.', 'prerendered by the edge, and nothing else changes for them.');
  if (edited === readFileSync(about, 'utf8')) throw new Error('assets bench: the About page no longer has the lines it edits');
  writeFileSync(about, edited);
  const { build: viteBuild } = await import('vite');
  const dist = join(DEPLOY_DIR, 'dist');
  await viteBuild({
    configFile: join(SPA_SOURCE, 'vite.config.ts'),
    root: source,
    logLevel: 'silent',
    build: { outDir: dist, emptyOutDir: true },
  });

  const out = join(DEPLOY_DIR, 'assets');
  mkdirSync(out, { recursive: true });
  const history = { dir: join(out, '.history') };
  const feedOrigin = process.env.VITE_FEED_ORIGIN ?? DEFAULT_FEED_ORIGIN;
  const before = writeAssets({ feedOrigin, from: SPA_OUT, source: 'demo', out, history, now: new Date(Date.UTC(2030, 0, 1)) }).manifest;
  const after = writeAssets({ feedOrigin, from: dist, source: 'demo, edited', out, history, now: new Date(Date.UTC(2030, 0, 2)) }).manifest;

  const worker = await startOn(bench, 'assets-deployed', out);
  try {
    // What a returning visitor holding the first build downloads: index.html (revalidated, changed)
    // and every hashed file whose name changed, as Chromium asks for it: with the file it kept
    // under the same entry as its Available-Dictionary.
    const changed = Object.keys(after.files).filter((p) => after.files[p]?.immutable && !before.files[p]);
    let ours = await wireBytes(`${worker.url}/index.html`, { 'Accept-Encoding': 'br' });
    let reference = ours;
    /** @type {{ path: string, headers: Record<string, string>, size: number } | null} */
    let biggest = null;
    for (const path of changed) {
      const kept = Object.keys(before.files).find((p) => before.files[p]?.immutable && entryKey(p) === entryKey(path));
      /** @type {Record<string, string>} */
      const headers = { 'Accept-Encoding': 'br, dcz' };
      if (kept) headers['Available-Dictionary'] = `:${dictionaryHash(readFileSync(join(out, '.history', kept.slice(1))))}:`;
      const bytes = await wireBytes(`${worker.url}${path}`, headers);
      ours += bytes;
      reference += await wireBytes(`${worker.url}${path}`, { 'Accept-Encoding': 'br' });
      const delta = after.files[path]?.deltas?.find((d) => d.size === bytes);
      if (kept && delta && (!biggest || delta.size > biggest.size)) biggest = { path, headers, size: delta.size };
    }
    bench.size({
      scenario: 'assets: returning visitor after an app-only deploy (dcz deltas) bytes',
      ours,
      reference,
      baselineName: `the same ${changed.length + 1} files in Brotli 11 (${changed.length} changed hashed files + index.html)`,
      goal: 0.1,
    });
    if (!biggest) throw new Error('assets bench: the app-only deploy made no delta');

    const delta = after.files[biggest.path]?.deltas?.find((d) => d.size === biggest.size);
    if (!delta) throw new Error(`assets bench: no delta of ${biggest.size} B for ${biggest.path}`);
    const direct = await startDirect(bench, 'assets-deployed-entry', out);
    try {
      const deltaHeaders = await answerHeaders(`${direct.url}${biggest.path}`, biggest.headers, 'dcz');
      const base = await bench.baseline({ headers: deltaHeaders, body: new Uint8Array(readFileSync(join(out, delta.path))) });
      await bench.compare({
        scenario: 'assets: delta (dcz) of a changed chunk to a returning visitor (worker as entry)',
        request: { url: `${direct.url}${biggest.path}`, headers: biggest.headers },
        baselineName: `bare worker: the same response (${delta.size} B of dcz), constant`,
        baseline: { url: `${base.url}/`, headers: biggest.headers },
        goal: 0.8,
        expectStatus: 200,
      });
    } finally {
      await direct.mf.dispose();
    }
  } finally {
    await worker.mf.dispose();
  }
}

/**
 * The assets worker's own bundle with [env.assets]'s options, serving another build folder.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} name
 * @param {string} directory
 */
async function startOn(bench, name, directory) {
  const options = bench.workerOptions('assets');
  const assets = /** @type {{ directory: string }} */ (/** @type {Record<string, unknown>} */ (options).assets);
  const mf = new Miniflare(
    convertV4MiniflareOptions({ workers: [{ ...options, name, assets: { ...assets, directory } }], cf: false, port: 0 }),
  );
  return { url: (await mf.ready).href.replace(/\/$/, ''), mf };
}

/**
 * The assets worker's own bundle as the entry worker, as a deployed `run_worker_first` worker
 * receives its requests: the Static Assets router is the platform's and runs before it, outside the
 * worker's CPU. The ASSETS binding is a service binding to a second worker holding `directory` as
 * its static assets, so reads of files still go through the real asset worker.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} name
 * @param {string} directory
 */
async function startDirect(bench, name, directory) {
  const { assets, ...options } = bench.workerOptions('assets');
  const files = `${name}-files`;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        { ...options, name, serviceBindings: { ASSETS: files } },
        {
          name: files,
          modules: true,
          script: 'export default { fetch: (request, env) => env.ASSETS.fetch(request) };',
          compatibilityDate: '2026-11-01',
          assets: {
            .../** @type {object} */ (assets),
            directory,
            binding: 'ASSETS',
            run_worker_first: false,
            routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: false },
          },
        },
      ],
      cf: false,
      port: 0,
    }),
  );
  return { url: (await mf.ready).href.replace(/\/$/, ''), mf };
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
 * The headers of the worker's answer to `url`, for a baseline that sends the same response; throws
 * unless it is a 200 in `encoding`. Date and Content-Length are the runtime's own.
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string} encoding
 * @returns {Promise<Record<string, string>>}
 */
async function answerHeaders(url, headers, encoding) {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (response.status !== 200 || response.headers.get('Content-Encoding') !== encoding) {
    throw new Error(`assets bench: ${url} answered ${response.status} ${response.headers.get('Content-Encoding')}, not 200 ${encoding}`);
  }
  return responseHeadersOf(response);
}

/**
 * Body bytes as sent (node:http does not decode), asking for one coding only (or with `headers`).
 * @param {string} url
 * @param {string | Record<string, string>} encoding
 * @returns {Promise<number>}
 */
function wireBytes(url, encoding) {
  const headers = typeof encoding === 'string' ? { 'Accept-Encoding': encoding } : encoding;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
