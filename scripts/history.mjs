// The skew window: hashed files of earlier builds stay servable after a deploy, so a tab opened
// before it can still lazy-load its own chunks. A build appends itself to a store and prunes what
// left the window; the `assets` worker serves a path from the current build first, then from the
// store.
//
// The store is a folder (keys are paths relative to it): locally build/assets/.history, which the
// worker reads through its ASSETS binding; for a deploy, build/history, mirrored to the R2 bucket
// the worker reads in production (scripts/history-r2.mjs). It holds:
//
//   <store>/.manifest.json        the window, in the build manifest's format (`version`, `files`)
//                                 plus `builds`: newest first, the current one first, each with its
//                                 id, when it was built and replaced, and its hashed paths
//   <store>/<path>                every stored variant (and delta) of every hashed file in the window,
//                                 at its path without the leading `/`
//
// Only hashed (immutable) files are kept: an old index.html is never served, and unhashed files
// change meaning under the same name.
//
// The window: the current build, the HISTORY_BUILDS builds before it, and any build replaced less
// than HISTORY_DAYS ago (whichever keeps more). A build made again (a rebuild of the same files, or
// a rollback to an earlier build) is moved to the front, not added twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Earlier builds always kept. */
export const HISTORY_BUILDS = 5;
/** Earlier builds replaced less than this many days ago are kept too. */
export const HISTORY_DAYS = 30;
/** The store's own table of contents; a dot-name, so no file of a SPA build can be called that. */
export const HISTORY_MANIFEST = '.manifest.json';

/**
 * @typedef {import('./build.mjs').Entry} Entry
 * @typedef {{ id: string, builtAt: string, replacedAt: string | null, files: string[] }} BuildRecord
 * @typedef {{ version: 1, files: Record<string, Entry>, builds: BuildRecord[] }} HistoryManifest
 * @typedef {{ builds: number, days: number }} Window
 */

/** @type {Window} */
export const DEFAULT_WINDOW = { builds: HISTORY_BUILDS, days: HISTORY_DAYS };

/** @returns {HistoryManifest} */
export const emptyHistory = () => ({ version: 1, files: {}, builds: [] });

/** The store's manifest, or an empty one for a store never written. @param {string} dir */
export function readHistory(dir) {
  let text;
  try {
    text = readFileSync(join(dir, HISTORY_MANIFEST), 'utf8');
  } catch {
    return emptyHistory();
  }
  const parsed = /** @type {HistoryManifest} */ (JSON.parse(text));
  if (parsed.version !== 1 || !Array.isArray(parsed.builds)) throw new Error(`${join(dir, HISTORY_MANIFEST)}: not a history manifest`);
  return parsed;
}

/**
 * A build's id: a hash of every path and its identity bytes' tag, so the same files are the same
 * build however often they are built.
 * @param {Record<string, Entry>} files
 */
export function buildId(files) {
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) {
    hash.update(`${path}\0${files[path]?.variants.find((v) => v.encoding === 'identity')?.etag ?? ''}\n`);
  }
  return hash.digest('base64url').slice(0, 16);
}

/**
 * The builds that stay in the window, newest first (`builds[0]` is the current one).
 * @param {BuildRecord[]} builds
 * @param {Date} now
 * @param {Window} [window]
 */
export function keptBuilds(builds, now, window = DEFAULT_WINDOW) {
  const maxAge = window.days * 24 * 60 * 60 * 1000;
  return builds.filter(
    (build, i) => i <= window.builds || (build.replacedAt !== null && now.getTime() - Date.parse(build.replacedAt) < maxAge),
  );
}

/** Every store key an entry's bytes live at: its variants' and deltas' paths without the `/`. @param {Entry} entry */
export function keysOf(entry) {
  return [...entry.variants, ...(entry.deltas ?? [])].map((v) => v.path.slice(1));
}

/** Every store key a history manifest references. @param {HistoryManifest} manifest */
export function historyKeys(manifest) {
  return new Set(Object.values(manifest.files).flatMap(keysOf));
}

/**
 * The history after a build: `current` (its id and its hashed files' entries) goes first, the
 * build it replaces gets its `replacedAt`, and builds out of the window are dropped with their files.
 * Pure: the caller writes the bytes of `current` and removes the keys that are no longer referenced.
 * @param {HistoryManifest} previous
 * @param {{ id: string, files: Record<string, Entry> }} current
 * @param {Date} now
 * @param {Window} [window]
 * @returns {HistoryManifest}
 */
export function nextHistory(previous, current, now, window = DEFAULT_WINDOW) {
  /** @type {BuildRecord[]} */
  let builds;
  const paths = Object.keys(current.files).sort();
  if (previous.builds[0]?.id === current.id) {
    builds = [{ ...previous.builds[0], files: paths }, ...previous.builds.slice(1)];
  } else {
    const earlier = previous.builds
      .filter((b) => b.id !== current.id)
      .map((b) => (b.replacedAt === null ? { ...b, replacedAt: now.toISOString() } : b));
    builds = [{ id: current.id, builtAt: now.toISOString(), replacedAt: null, files: paths }, ...earlier];
  }
  builds = keptBuilds(builds, now, window);

  /** @type {Record<string, Entry>} */
  const files = {};
  for (const [i, build] of builds.entries()) {
    for (const path of build.files) {
      const entry = i === 0 ? current.files[path] : previous.files[path];
      if (entry && !Object.hasOwn(files, path)) files[path] = entry;
    }
  }
  return { version: 1, files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))), builds };
}

/**
 * Earlier versions of the entry `key` names, as their builds advertised them for use as a
 * dictionary: one per distinct path, from the HISTORY_BUILDS most recent builds of the store,
 * newest first. `keyOf` maps a path to its entry key.
 * @param {HistoryManifest} history
 * @param {string} key
 * @param {string} path the current file (never its own predecessor)
 * @param {(path: string) => string | null} keyOf
 * @param {number} [depth]
 * @returns {Array<{ path: string, entry: Entry }>}
 */
export function predecessors(history, key, path, keyOf, depth = HISTORY_BUILDS) {
  /** @type {Array<{ path: string, entry: Entry }>} */
  const found = [];
  for (const build of history.builds.slice(0, depth)) {
    for (const candidate of build.files) {
      if (candidate === path || found.some((f) => f.path === candidate) || keyOf(candidate) !== key) continue;
      const entry = history.files[candidate];
      if (entry?.dictionary) found.push({ path: candidate, entry });
    }
  }
  return found;
}
