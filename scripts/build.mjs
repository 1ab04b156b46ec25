// `npm run build`: the SPA the `assets` worker serves ([env.assets] in wrangler.toml), laid out in
// build/assets/. The SPA is the demo (demo/spa, built with Vite into build/spa/), or with
// SPA_DIST=<folder> any SPA already built: `index.html` at the folder's root, its files below.
//
//   build/assets/<file>             every file of the SPA build, as built (the identity bytes)
//   build/assets/<file>.br|.zst|.gz precompressed variants of compressible files (Brotli 11, zstd 19, gzip 9)
//   build/assets/<file>.<d>.dcz     deltas of a changed hashed JS or CSS file against its earlier
//                                   versions (scripts/delta.mjs; <d> names the dictionary)
//   build/assets/.assets-manifest.json  what the worker reads: per URL path its content type, whether
//                                   its name is content-hashed (scripts/hashed.mjs), Last-Modified,
//                                   each variant's path, size and strong ETag (a hash of its bytes),
//                                   and for hashed JS and CSS its dictionary `match` and its deltas
//   build/assets/.history/          the skew window: hashed files of this and earlier builds
//                                   (scripts/history.mjs); ASSETS_HISTORY_DIR puts it elsewhere
//
// The manifest is the one place that says what a path is; the worker serves nothing it does not list.
//
// Which variants are kept: a compressed variant costs a stored file and buys nothing unless some client
// gets fewer bytes because of it. gzip is kept when smaller than the identity bytes; br and zstd are
// each kept when smaller than what a client that cannot decode them gets instead (gzip if kept,
// else identity). br and zstd are not ranked against each other: browsers that take br but not zstd
// (Safari) and tools that take zstd but not br (curl, urllib3 builds) both exist, and the worker sends
// the smallest variant a client accepts anyway. Tiny files (robots.txt) end up with identity only.
//
// Idempotent and fast: variants are recompressed only when a file's bytes change (cached by
// content hash from the previous manifest), stale files are removed, Last-Modified of unchanged files
// is kept, and the manifest is byte-identical for identical inputs. Exported `ensureBuilt()` skips
// the whole build when the SPA's files (nor these scripts) changed since the last build of the same SPA.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync, zstdCompressSync } from 'node:zlib';
import { DELTA_CODECS, MAX_DELTA_INPUT, dictionaryHash } from './delta.mjs';
import { entryKey, isHashedPath } from './hashed.mjs';
import { DEFAULT_WINDOW, HISTORY_MANIFEST, buildId, historyKeys, nextHistory, predecessors, readHistory } from './history.mjs';

/**
 * @typedef {{ encoding: string, path: string, size: number, etag: string }} Variant
 * @typedef {Variant & { dictionary: string }} Delta a variant made with a dictionary (its SHA-256, base64)
 * @typedef {{ size: number, kept: boolean }} Candidate
 * @typedef {{ contentType: string, immutable: boolean, lastModified: string, variants: Variant[],
 *   dictionary?: { match: string }, deltas?: Delta[] }} Entry
 * @typedef {{ version: 1, source: string, build: string, connectSrc: string[], files: Record<string, Entry>,
 *   candidates: Record<string, Record<string, Candidate>> }} BuildManifest
 * @typedef {{ dir: string, window?: import('./history.mjs').Window }} HistoryOptions
 */

const root = fileURLToPath(new URL('..', import.meta.url));
export const SPA_SOURCE = join(root, 'demo', 'spa');
/** The manifest's `source` for the demo; a SPA_DIST build records its folder instead. */
export const DEMO_SOURCE = 'demo/spa';
export const SPA_OUT = join(root, 'build', 'spa');
export const ASSETS_OUT = join(root, 'build', 'assets');
export const MANIFEST_NAME = '.assets-manifest.json';
export const MANIFEST_PATH = join(ASSETS_OUT, MANIFEST_NAME);
/** The skew window's store (scripts/history.mjs): inside build/assets, so `npm start` serves it. */
export const HISTORY_DIR = join(ASSETS_OUT, '.history');
const ASSETS_IGNORE = join(ASSETS_OUT, '.assetsignore');
/** The feed worker's local origin (port 8791 under `npm start`); stage builds set VITE_FEED_ORIGIN. */
export const DEFAULT_FEED_ORIGIN = 'http://localhost:8791';
/** The demo token issuer the demo SPA signs in with (the demo services, 8793); stages set VITE_AUTH_ORIGIN. */
export const DEFAULT_AUTH_ORIGIN = 'http://localhost:8793';
const LOCK = join(root, 'build', '.build.lock');

/** File extension -> Content-Type and whether compressing it pays off. @type {Record<string, [string, boolean]>} */
const TYPES = {
  html: ['text/html; charset=utf-8', true],
  js: ['text/javascript; charset=utf-8', true],
  mjs: ['text/javascript; charset=utf-8', true],
  css: ['text/css; charset=utf-8', true],
  json: ['application/json', true],
  map: ['application/json', true],
  webmanifest: ['application/manifest+json', true],
  txt: ['text/plain; charset=utf-8', true],
  xml: ['application/xml', true],
  svg: ['image/svg+xml', true],
  ico: ['image/x-icon', true],
  wasm: ['application/wasm', true],
  ttf: ['font/ttf', true],
  otf: ['font/otf', true],
  woff: ['font/woff', false],
  woff2: ['font/woff2', false],
  png: ['image/png', false],
  jpg: ['image/jpeg', false],
  jpeg: ['image/jpeg', false],
  gif: ['image/gif', false],
  webp: ['image/webp', false],
  avif: ['image/avif', false],
  pdf: ['application/pdf', false],
};
/** @type {[string, boolean]} */
const FALLBACK_TYPE = ['application/octet-stream', false];

/** Suffix of each stored variant, and how to make it. @type {Record<string, { suffix: string, compress(bytes: Buffer): Buffer }>} */
const ENCODINGS = {
  br: {
    suffix: '.br',
    compress: (bytes) =>
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      }),
  },
  zstd: {
    suffix: '.zst',
    compress: (bytes) => zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: 19 } }),
  },
  gzip: { suffix: '.gz', compress: (bytes) => gzipSync(bytes, { level: 9 }) },
};

/** A strong entity tag (RFC 9110 §8.8.3) from the bytes of one variant. @param {Buffer} bytes */
export function etagOf(bytes) {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** @param {string} path @returns {[string, boolean]} */
export function typeOf(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? FALLBACK_TYPE;
}

/**
 * The variants to keep for one file, smallest first, given the candidate sizes (see the rule in
 * the header). `candidates` maps encoding -> byte length, `identity` included.
 * @param {{ identity: number } & Record<string, number | undefined>} candidates
 * @returns {string[]}
 */
export function keptEncodings(candidates) {
  const kept = ['identity'];
  const { identity, gzip, br, zstd } = candidates;
  if (gzip !== undefined && gzip < identity) kept.push('gzip');
  const fallback = gzip !== undefined && gzip < identity ? gzip : identity;
  if (br !== undefined && br < fallback) kept.push('br');
  if (zstd !== undefined && zstd < fallback) kept.push('zstd');
  return kept.sort((a, b) => (candidates[a] ?? 0) - (candidates[b] ?? 0));
}

/**
 * Every file under `dir`. Dot-files and dot-folders (`.DS_Store`, Vite's `.vite/manifest.json`) are
 * not part of a site, except `.well-known/` (RFC 8615).
 * @param {string} dir
 * @returns {string[]}
 */
function walk(dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') && entry.name !== '.well-known') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Every file under `dir`, dot-files included. @param {string} dir @returns {string[]} */
function walkAll(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** @param {string} file @param {string} base */
const urlPath = (file, base) => `/${relative(base, file).split(sep).join('/')}`;

/** @param {string} [out] @returns {BuildManifest | null} */
function readManifest(out = ASSETS_OUT) {
  try {
    return JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The SPA to serve: a built folder named by `spaDist` (SPA_DIST), or the demo when it is empty.
 * Throws a message naming the problem when the folder is not a built SPA.
 * @param {string | null | undefined} spaDist
 * @returns {{ source: string, dir: string | null }} `dir` null: the demo, built by Vite
 */
export function spaInput(spaDist) {
  if (!spaDist) return { source: DEMO_SOURCE, dir: null };
  const dir = resolve(root, spaDist);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`SPA_DIST=${spaDist}: no such folder (${dir})`);
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`SPA_DIST=${spaDist}: no index.html at the folder's root; point SPA_DIST at the build output (e.g. dist/)`);
  }
  const inside = relative(root, dir);
  return { source: inside.startsWith('..') || isAbsolute(inside) ? dir : inside.split(sep).join('/'), dir };
}

/**
 * Writes `bytes` to `file` unless it already holds exactly them (keeps mtimes of unchanged files).
 * @param {string} file
 * @param {Buffer} bytes
 */
function writeIfChanged(file, bytes) {
  if (existsSync(file)) {
    const current = readFileSync(file);
    if (current.equals(bytes)) return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/**
 * Lays out `out` (build/assets/) from a built SPA (`from`, default build/spa/): identity files, kept
 * variants, manifest. With `history`, also the deltas against earlier builds and the skew window's
 * store (scripts/history.mjs); without it (another folder precompressed, such as a UI's), neither.
 * @param {{ feedOrigin: string | null, authOrigin?: string | null, now?: Date, from?: string, source?: string, out?: string,
 *   history?: HistoryOptions | null }} options
 */
export function writeAssets({
  feedOrigin,
  authOrigin = null,
  now = new Date(),
  from = SPA_OUT,
  source = DEMO_SOURCE,
  out = ASSETS_OUT,
  history = null,
}) {
  const manifestPath = join(out, MANIFEST_NAME);
  const previous = readManifest(out);
  const lastModifiedNow = new Date(Math.floor(now.getTime() / 1000) * 1000).toUTCString();
  /** @type {Record<string, Entry & { candidates?: Record<string, Candidate> }>} */
  const files = {};
  const written = new Set([manifestPath]);
  const stats = { files: 0, compressed: 0, reused: 0, deltas: 0, deltasReused: 0 };

  for (const file of walk(from).sort()) {
    const path = urlPath(file, from);
    const bytes = readFileSync(file);
    const [contentType, compressible] = typeOf(path);
    const identityTag = etagOf(bytes);
    const before = previous?.files?.[path];
    const unchanged = before?.variants?.find((v) => v.encoding === 'identity')?.etag === identityTag;

    writeIfChanged(join(out, path), bytes);
    written.add(join(out, path));
    /** @type {Variant[]} */
    const variants = [{ encoding: 'identity', path, size: bytes.length, etag: identityTag }];
    /** @type {Record<string, Candidate> | undefined} */
    let candidates;

    if (compressible) {
      /** @type {{ identity: number } & Record<string, number>} */
      const sizes = { identity: bytes.length };
      /** @type {Record<string, Buffer>} */
      const made = {};
      for (const [encoding, { suffix, compress }] of Object.entries(ENCODINGS)) {
        const target = join(out, path + suffix);
        const cached = unchanged ? previous?.candidates?.[path]?.[encoding] : undefined;
        let variantBytes;
        if (cached && existsSync(target)) {
          variantBytes = readFileSync(target);
          stats.reused++;
        } else if (cached && cached.kept === false) {
          sizes[encoding] = cached.size; // known not to pay off; nothing stored
          continue;
        } else {
          variantBytes = compress(bytes);
          stats.compressed++;
        }
        sizes[encoding] = variantBytes.length;
        made[encoding] = variantBytes;
      }
      const kept = keptEncodings(sizes);
      for (const encoding of Object.keys(ENCODINGS)) {
        const variantBytes = made[encoding];
        if (!kept.includes(encoding) || !variantBytes) continue;
        const variantPath = path + ENCODINGS[encoding]?.suffix;
        writeIfChanged(join(out, variantPath), variantBytes);
        written.add(join(out, variantPath));
        variants.push({ encoding, path: variantPath, size: variantBytes.length, etag: etagOf(variantBytes) });
      }
      candidates = Object.fromEntries(Object.entries(sizes).map(([e, size]) => [e, { size, kept: kept.includes(e) }]));
    }
    variants.sort((a, b) => a.size - b.size);
    files[path] = {
      contentType,
      immutable: isHashedPath(path),
      lastModified: unchanged && before?.lastModified ? before.lastModified : lastModifiedNow,
      variants,
      candidates,
    };
    stats.files++;
  }

  if (history) {
    const before = readHistory(history.dir);
    const made = writeDeltas({ files, out, previous, history: before, historyDir: history.dir });
    for (const file of made.written) written.add(file);
    stats.deltas += made.deltas;
    stats.deltasReused += made.reused;
  }

  // Remove whatever a previous build left that this one did not produce (old hashed bundles). The
  // history's store, when it lives inside `out`, is kept up to date below instead, and `.history`
  // is never touched by a layout without history (it is not this layout's to prune).
  const stores = [join(out, '.history'), ...(history ? [history.dir] : [])].map((dir) => resolve(dir) + sep);
  if (existsSync(out)) {
    for (const file of walkAll(out)) if (!written.has(file) && !stores.some((store) => file.startsWith(store))) rmSync(file);
  }

  const id = buildId(files);
  if (history) writeHistory(history, { id, files, out, now });

  /** @type {BuildManifest} */
  const manifest = {
    version: 1,
    // Which SPA this is (the demo, or the SPA_DIST folder): ensureBuilt() rebuilds when it differs.
    source,
    // Which build this is (scripts/history.mjs): the same files always give the same id.
    build: id,
    // Origins the SPA was built to call: the worker adds them to the CSP connect-src.
    connectSrc: connectOrigins(feedOrigin, authOrigin),
    files: Object.fromEntries(Object.entries(files).map(([path, { candidates: _candidates, ...entry }]) => [path, entry])),
    // Sizes of every variant tried, kept or not: lets the next build skip recompressing unchanged
    // files and lets the bench report all three encodings. The worker ignores this field.
    candidates: Object.fromEntries(
      Object.entries(files)
        .filter(([, f]) => f.candidates)
        .map(([path, f]) => [path, f.candidates ?? {}]),
    ),
  };
  writeIfChanged(manifestPath, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, stats };
}

/** Delta codings are made for scripts and styles: what a deploy changes a few lines of. */
const DELTA_TYPES = /\.(?:m?js|css)$/;
/**
 * Characters a dictionary `match` may hold as they are: none is special in a URL pattern or needs
 * escaping in a structured-field string. A name with others (rare in bundler output) gets no delta.
 */
const MATCH_SAFE = /^[A-Za-z0-9._~!$&'@,;=/-]+$/;

/**
 * Gives each hashed script and style whose entry key is unique in this build its dictionary `match`
 * (the key: the browser offers this file as the dictionary for the next version of the same entry),
 * and a delta per delta codec against each earlier version of the entry that the store holds
 * (history.mjs `predecessors`), kept when smaller than every ordinary variant. Deltas of a file
 * whose bytes and dictionary are unchanged are reused, from `out` or from the store.
 * Two files of one build with the same key (esbuild's `chunk-[hash].js`) are ambiguous: neither
 * is offered as a dictionary, and they are served as usual.
 * @param {{ files: Record<string, Entry>, out: string, previous: BuildManifest | null,
 *   history: import('./history.mjs').HistoryManifest, historyDir: string }} input
 */
function writeDeltas({ files, out, previous, history, historyDir }) {
  /** @type {Map<string, number>} */
  const keyCount = new Map();
  for (const path of Object.keys(files)) {
    const key = files[path]?.immutable ? entryKey(path) : null;
    if (key) keyCount.set(key, (keyCount.get(key) ?? 0) + 1);
  }
  const result = { written: /** @type {string[]} */ ([]), deltas: 0, reused: 0 };
  for (const [path, entry] of Object.entries(files)) {
    const key = entry.immutable ? entryKey(path) : null;
    if (!key || keyCount.get(key) !== 1 || !DELTA_TYPES.test(path) || !MATCH_SAFE.test(path)) continue;
    entry.dictionary = { match: key };
    const identity = entry.variants.find((v) => v.encoding === 'identity');
    if (!identity || identity.size > MAX_DELTA_INPUT) continue;
    const bytes = readFileSync(join(out, path));
    const smallest = Math.min(...entry.variants.map((v) => v.size));
    /** @type {Delta[]} */
    const deltas = [];
    for (const earlier of predecessors(history, key, path, entryKey)) {
      const dictionaryPath = earlier.entry.variants.find((v) => v.encoding === 'identity')?.path;
      const dictionaryFile = dictionaryPath ? join(historyDir, dictionaryPath.slice(1)) : null;
      // A store mirrored for a deploy holds only the dictionaries it fetched (scripts/history-r2.mjs).
      if (!dictionaryFile || !existsSync(dictionaryFile)) continue;
      const dictionary = readFileSync(dictionaryFile);
      if (dictionary.length > MAX_DELTA_INPUT) continue;
      const hash = dictionaryHash(dictionary);
      for (const [encoding, codec] of Object.entries(DELTA_CODECS)) {
        const deltaPath = `${path}.${Buffer.from(hash, 'base64').toString('hex').slice(0, 16)}${codec.suffix}`;
        const target = join(out, deltaPath);
        const cached = reusableDelta(deltaPath, [
          [previous?.files?.[path], out],
          [history.files[path], historyDir],
        ]);
        const deltaBytes = cached ?? codec.encode(bytes, dictionary);
        if (cached) result.reused++;
        else result.deltas++;
        if (deltaBytes.length >= smallest) continue;
        writeIfChanged(target, deltaBytes);
        result.written.push(target);
        deltas.push({ encoding, dictionary: hash, path: deltaPath, size: deltaBytes.length, etag: etagOf(deltaBytes) });
      }
    }
    if (deltas.length > 0) entry.deltas = deltas.sort((a, b) => a.size - b.size);
  }
  return result;
}

/**
 * The bytes of delta `deltaPath` kept by an earlier build, if one of `places` (an entry and the
 * folder its files are in) lists it and still has them.
 * @param {string} deltaPath
 * @param {Array<[Entry | undefined, string]>} places
 */
function reusableDelta(deltaPath, places) {
  for (const [entry, dir] of places) {
    const listed = entry?.deltas?.find((d) => d.path === deltaPath);
    const file = join(dir, deltaPath);
    if (!listed || !existsSync(file)) continue;
    const bytes = readFileSync(file);
    if (etagOf(bytes) === listed.etag) return bytes;
  }
  return null;
}

/**
 * Appends this build to the skew window's store: copies the bytes of its hashed files (every
 * variant and delta) from `out`, writes the store's manifest, and removes what left the window.
 * @param {HistoryOptions} history
 * @param {{ id: string, files: Record<string, Entry & { candidates?: unknown }>, out: string, now: Date }} build
 */
function writeHistory(history, { id, files, out, now }) {
  const before = readHistory(history.dir);
  /** @type {Record<string, Entry>} */
  const hashed = {};
  for (const [path, { candidates: _candidates, ...entry }] of Object.entries(files)) if (entry.immutable) hashed[path] = entry;
  const next = nextHistory(before, { id, files: hashed }, now, history.window ?? DEFAULT_WINDOW);
  for (const entry of Object.values(hashed)) {
    for (const { path } of [...entry.variants, ...(entry.deltas ?? [])])
      writeIfChanged(join(history.dir, path.slice(1)), readFileSync(join(out, path)));
  }
  const keep = historyKeys(next);
  keep.add(HISTORY_MANIFEST);
  for (const file of existsSync(history.dir) ? walkAll(history.dir) : []) {
    if (!keep.has(relative(history.dir, file).split(sep).join('/'))) rmSync(file);
  }
  writeIfChanged(join(history.dir, HISTORY_MANIFEST), Buffer.from(`${JSON.stringify(next, null, 2)}\n`));
}

/**
 * The origins a demo build calls, for the CSP's connect-src: the feed, and the token issuer it signs in with.
 * @param {string | null} feedOrigin
 * @param {string | null} authOrigin
 */
function connectOrigins(feedOrigin, authOrigin) {
  return [feedOrigin, authOrigin].flatMap((origin) => (origin ? [new URL(origin).origin] : []));
}

/**
 * Newest modification time under the inputs of a build: the SPA's files (the demo's sources, or
 * the SPA_DIST folder) and the build scripts themselves.
 * @param {string | null} dir the SPA_DIST folder, or null for the demo
 */
function newestInput(dir) {
  let newest = Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, statSync(join(root, 'scripts', 'hashed.mjs')).mtimeMs);
  for (const file of walk(dir ?? SPA_SOURCE)) newest = Math.max(newest, statSync(file).mtimeMs);
  return newest;
}

/**
 * Runs `fn` holding build/.build.lock, so that builds started at once (vitest loads several
 * projects that each ensure a build, in one process or several) run one after the other. The wait
 * is asynchronous: a blocking wait would stall a holder in the same process.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      // A lock older than two minutes belongs to a build that died: take it over.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`build: lock ${LOCK} held for too long`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds the SPA and lays out build/assets/: the demo through Vite, or the built folder `spaDist`
 * as it is. One build at a time (tests may start several).
 * @param {{ quiet?: boolean, spaDist?: string | null }} [options] `spaDist` defaults to SPA_DIST
 */
export async function buildAssets({ quiet = false, spaDist = process.env.SPA_DIST } = {}) {
  const input = spaInput(spaDist);
  return withLock(() => build(input, quiet));
}

/**
 * Builds only when build/assets is missing, holds another SPA, or is older than its inputs.
 * @param {string | null | undefined} [spaDist] the SPA_DIST folder; empty: the demo
 */
export async function ensureBuilt(spaDist = process.env.SPA_DIST) {
  const input = spaInput(spaDist);
  // Checked under the lock: a build that another caller just finished counts.
  return withLock(async () => {
    if (!isFresh(input)) await build(input, true);
  });
}

/** @param {{ source: string, dir: string | null }} input */
function isFresh(input) {
  const manifest = readManifest();
  const manifestTime = statSync(MANIFEST_PATH, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const origins =
    input.dir === null
      ? connectOrigins(process.env.VITE_FEED_ORIGIN ?? DEFAULT_FEED_ORIGIN, process.env.VITE_AUTH_ORIGIN ?? DEFAULT_AUTH_ORIGIN)
      : [];
  const sameOrigin = JSON.stringify(manifest?.connectSrc ?? null) === JSON.stringify(origins);
  // A deploy's build (its window kept elsewhere, ASSETS_HISTORY_DIR) is not the local one.
  const local = !existsSync(ASSETS_IGNORE);
  return manifest?.source === input.source && sameOrigin && local && manifestTime > newestInput(input.dir);
}

/**
 * @param {{ source: string, dir: string | null }} input
 * @param {boolean} quiet
 */
async function build(input, quiet) {
  const started = Date.now();
  /** @type {string | null} */
  let feedOrigin = null;
  /** @type {string | null} */
  let authOrigin = null;
  if (input.dir === null) {
    feedOrigin = process.env.VITE_FEED_ORIGIN ?? DEFAULT_FEED_ORIGIN;
    process.env.VITE_FEED_ORIGIN = feedOrigin;
    authOrigin = process.env.VITE_AUTH_ORIGIN ?? DEFAULT_AUTH_ORIGIN;
    process.env.VITE_AUTH_ORIGIN = authOrigin;
    const { build: viteBuild } = await import('vite');
    await viteBuild({ configFile: join(SPA_SOURCE, 'vite.config.ts'), logLevel: quiet ? 'silent' : 'warn' });
  }
  const history = { dir: process.env.ASSETS_HISTORY_DIR ? resolve(root, process.env.ASSETS_HISTORY_DIR) : HISTORY_DIR };
  const { stats } = writeAssets({ feedOrigin, authOrigin, from: input.dir ?? SPA_OUT, source: input.source, history });
  // A deploy keeps the window elsewhere (its R2 bucket's mirror): a local window left in
  // build/assets/.history is not uploaded with the files.
  if (history.dir !== HISTORY_DIR) writeFileSync(ASSETS_IGNORE, '/.history\n');
  else rmSync(ASSETS_IGNORE, { force: true });
  // The manifest keeps its bytes when nothing changed; its mtime marks "built from current inputs".
  const now = new Date();
  utimesSync(MANIFEST_PATH, now, now);
  if (!quiet) {
    console.log(
      `build: ${input.source}: ${stats.files} files in build/assets (${stats.compressed} variants compressed, ${stats.reused} reused; ` +
        `${stats.deltas} deltas made, ${stats.deltasReused} reused) ` +
        `in ${Date.now() - started} ms${input.dir === null ? `; feed origin ${feedOrigin || '(same origin)'}` : ''}`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildAssets();
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
