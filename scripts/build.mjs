// `npm run build`: builds the demo SPA with Vite into build/spa/, then lays out build/assets/, the
// directory the `assets` worker serves ([env.assets] in wrangler.toml):
//
//   build/assets/<file>             every file of the SPA build, as built (the identity bytes)
//   build/assets/<file>.br|.zst|.gz precompressed variants of compressible files (Brotli 11, zstd 19, gzip 9)
//   build/assets/.assets-manifest.json  what the worker reads: per URL path its content type, whether
//                                   its name is content-hashed, Last-Modified, and each variant's
//                                   path, size and strong ETag (a hash of that variant's bytes)
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
// the whole build when nothing under demo/spa/ (nor this script) changed since the last one.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync, zstdCompressSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SPA_SOURCE = join(root, 'demo', 'spa');
export const SPA_OUT = join(root, 'build', 'spa');
export const ASSETS_OUT = join(root, 'build', 'assets');
export const MANIFEST_NAME = '.assets-manifest.json';
export const MANIFEST_PATH = join(ASSETS_OUT, MANIFEST_NAME);
/** The feed worker's local origin (../shared/BRIEF.md); production builds set VITE_FEED_ORIGIN. */
export const DEFAULT_FEED_ORIGIN = 'http://localhost:8791';
const LOCK = join(root, 'build', '.build.lock');

/** File extension -> Content-Type and whether compressing it pays off. */
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
const FALLBACK_TYPE = ['application/octet-stream', false];

/** Suffix of each stored variant, and how to make it. */
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

/** Vite names every bundled file `assets/<name>.<8-char hash>.<ext>` (demo/spa/vite.config.ts). */
export const HASHED_PATH = /^\/assets\/.+\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;

/** A strong entity tag (RFC 9110 §8.8.3) from the bytes of one variant. */
export function etagOf(bytes) {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

export function typeOf(path) {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? FALLBACK_TYPE;
}

/**
 * The variants to keep for one file, smallest first, given the candidate sizes (see the rule in
 * the header). `candidates` maps encoding -> byte length, `identity` included.
 */
export function keptEncodings(candidates) {
  const kept = ['identity'];
  const { identity, gzip, br, zstd } = candidates;
  if (gzip !== undefined && gzip < identity) kept.push('gzip');
  const fallback = kept.includes('gzip') ? gzip : identity;
  if (br !== undefined && br < fallback) kept.push('br');
  if (zstd !== undefined && zstd < fallback) kept.push('zstd');
  return kept.sort((a, b) => candidates[a] - candidates[b]);
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

const urlPath = (file, base) => `/${relative(base, file).split(sep).join('/')}`;

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes `bytes` to `file` unless it already holds exactly them (keeps mtimes of unchanged files). */
function writeIfChanged(file, bytes) {
  if (existsSync(file)) {
    const current = readFileSync(file);
    if (current.equals(bytes)) return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Lays out build/assets/ from build/spa/: identity files, kept variants, manifest. */
export function writeAssets({ feedOrigin, now = new Date() }) {
  const previous = readManifest();
  const lastModifiedNow = new Date(Math.floor(now.getTime() / 1000) * 1000).toUTCString();
  const files = {};
  const written = new Set([MANIFEST_PATH]);
  const stats = { files: 0, compressed: 0, reused: 0 };

  for (const file of walk(SPA_OUT).sort()) {
    const path = urlPath(file, SPA_OUT);
    const bytes = readFileSync(file);
    const [contentType, compressible] = typeOf(path);
    const identityTag = etagOf(bytes);
    const before = previous?.files?.[path];
    const unchanged = before?.variants?.find((v) => v.encoding === 'identity')?.etag === identityTag;

    writeIfChanged(join(ASSETS_OUT, path), bytes);
    written.add(join(ASSETS_OUT, path));
    const variants = [{ encoding: 'identity', path, size: bytes.length, etag: identityTag }];

    if (compressible) {
      const sizes = { identity: bytes.length };
      const made = {};
      for (const [encoding, { suffix, compress }] of Object.entries(ENCODINGS)) {
        const target = join(ASSETS_OUT, path + suffix);
        const cached = unchanged ? previous.candidates?.[path]?.[encoding] : undefined;
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
        if (!kept.includes(encoding) || !made[encoding]) continue;
        const variantPath = path + ENCODINGS[encoding].suffix;
        writeIfChanged(join(ASSETS_OUT, variantPath), made[encoding]);
        written.add(join(ASSETS_OUT, variantPath));
        variants.push({ encoding, path: variantPath, size: made[encoding].length, etag: etagOf(made[encoding]) });
      }
      files[path] = { candidates: Object.fromEntries(Object.entries(sizes).map(([e, size]) => [e, { size, kept: kept.includes(e) }])) };
    }
    variants.sort((a, b) => a.size - b.size);
    files[path] = {
      contentType,
      immutable: HASHED_PATH.test(path),
      lastModified: unchanged && before.lastModified ? before.lastModified : lastModifiedNow,
      variants,
      candidates: files[path]?.candidates,
    };
    stats.files++;
  }

  // Remove whatever a previous build left that this one did not produce (old hashed bundles).
  if (existsSync(ASSETS_OUT)) {
    for (const file of walk(ASSETS_OUT)) if (!written.has(file)) rmSync(file);
  }

  const manifest = {
    version: 1,
    // Origins the SPA was built to call: the worker adds them to the CSP connect-src.
    connectSrc: feedOrigin ? [new URL(feedOrigin).origin] : [],
    files: Object.fromEntries(Object.entries(files).map(([path, { candidates: _candidates, ...entry }]) => [path, entry])),
    // Sizes of every variant tried, kept or not: lets the next build skip recompressing unchanged
    // files and lets the bench report all three encodings. The worker ignores this field.
    candidates: Object.fromEntries(
      Object.entries(files)
        .filter(([, f]) => f.candidates)
        .map(([path, f]) => [path, f.candidates]),
    ),
  };
  writeIfChanged(MANIFEST_PATH, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, stats };
}

/** Newest modification time under the inputs of the build (SPA sources, this script). */
function newestInput() {
  let newest = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  for (const file of walk(SPA_SOURCE)) newest = Math.max(newest, statSync(file).mtimeMs);
  return newest;
}

function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock older than two minutes belongs to a build that died: take it over.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`build: lock ${LOCK} held for too long`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  return Promise.resolve()
    .then(fn)
    .finally(() => rmSync(LOCK, { recursive: true, force: true }));
}

/** Runs the Vite build and lays out build/assets/. One build at a time (tests may start several). */
export async function buildAssets({ quiet = false } = {}) {
  return withLock(async () => {
    const started = Date.now();
    const feedOrigin = process.env.VITE_FEED_ORIGIN ?? DEFAULT_FEED_ORIGIN;
    process.env.VITE_FEED_ORIGIN = feedOrigin;
    const { build } = await import('vite');
    await build({ configFile: join(SPA_SOURCE, 'vite.config.ts'), logLevel: quiet ? 'silent' : 'warn' });
    const { stats } = writeAssets({ feedOrigin });
    // The manifest keeps its bytes when nothing changed; its mtime marks "built from current inputs".
    const now = new Date();
    utimesSync(MANIFEST_PATH, now, now);
    if (!quiet) {
      console.log(
        `build: ${stats.files} files in build/assets (${stats.compressed} variants compressed, ${stats.reused} reused) ` +
          `in ${Date.now() - started} ms; feed origin ${feedOrigin || '(same origin)'}`,
      );
    }
  });
}

/** Builds only when build/assets is missing or older than its inputs (for test configs). */
export async function ensureBuilt() {
  const manifestTime = statSync(MANIFEST_PATH, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const origin = process.env.VITE_FEED_ORIGIN ?? DEFAULT_FEED_ORIGIN;
  const sameOrigin = JSON.stringify(readManifest()?.connectSrc ?? null) === JSON.stringify(origin ? [new URL(origin).origin] : []);
  if (manifestTime > newestInput() && sameOrigin) return;
  await buildAssets({ quiet: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildAssets();
}
