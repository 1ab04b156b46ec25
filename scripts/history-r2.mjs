// The skew window of a deployed stage lives in an R2 bucket (the `HISTORY` binding of the assets
// worker, HISTORY_STORE = "r2"): Workers Static Assets keeps only the current version, and a
// `wrangler rollback` must not lose the files of the builds after the one it returns to. A deploy
// of `assets` mirrors the window between that bucket and a folder the build writes:
//
//   1. pull   the window's manifest, and the files of its recent builds that the build may use as
//             dictionaries (the hashed scripts and styles), into an empty folder;
//   2. build  with ASSETS_HISTORY_DIR at that folder: deltas against the pulled files, the new
//             build appended to the manifest;
//   3. push   every file the bucket does not have yet, then the manifest (a reader never sees a
//             manifest naming a file that is not there), before the worker is deployed: an isolate
//             of the previous version asked for a file of the new one during a gradual rollout
//             finds it there;
//   4. prune  after the deploy, the files of builds that left the window.
//
// The bucket is reached with `wrangler r2 object get|put|delete`, so whatever login or API token
// wrangler uses works here too (one process per object: a deploy moves tens of them).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { HISTORY_BUILDS, HISTORY_MANIFEST, emptyHistory, historyKeys, readHistory } from './history.mjs';
import { root } from './workers.mjs';

/**
 * What the mirror needs of a bucket. `get` writes the object to `file` and answers false when there
 * is no such object.
 * @typedef {{ get(key: string, file: string): Promise<boolean>, put(key: string, file: string): Promise<void>,
 *   delete(key: string): Promise<void> }} Bucket
 * @typedef {import('./history.mjs').HistoryManifest} HistoryManifest
 */

/** Objects moved at once. */
const CONCURRENCY = 6;

/**
 * The arguments of one `wrangler r2 object` command on `bucket`; `local` for a local bucket kept in
 * `persistTo` (what `wrangler dev --persist-to` reads), else the account's.
 * @param {'get' | 'put' | 'delete'} verb
 * @param {string} bucket
 * @param {string} key
 * @param {{ file?: string, local?: { persistTo: string } }} [options]
 */
export function wranglerArgs(verb, bucket, key, { file, local } = {}) {
  return [
    'wrangler',
    'r2',
    'object',
    verb,
    `${bucket}/${key}`,
    ...(file ? ['--file', file] : []),
    ...(local ? ['--local', '--persist-to', local.persistTo] : ['--remote']),
  ];
}

/**
 * The bucket named `bucket` through the wrangler CLI.
 * @param {string} bucket
 * @param {{ local?: { persistTo: string } }} [options]
 * @returns {Bucket}
 */
export function wranglerBucket(bucket, { local } = {}) {
  const run = promisify(execFile);
  /** @param {string[]} args */
  const wrangler = (args) => run('npx', args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  return {
    async get(key, file) {
      mkdirSync(dirname(file), { recursive: true });
      try {
        await wrangler(wranglerArgs('get', bucket, key, { file, local }));
        return true;
      } catch (error) {
        const output = `${/** @type {{ stderr?: string, stdout?: string }} */ (error).stderr ?? ''}${/** @type {{ stdout?: string }} */ (error).stdout ?? ''}`;
        if (/not found|does not exist|NoSuchKey|404/i.test(output)) return false;
        throw error;
      }
    },
    async put(key, file) {
      await wrangler(wranglerArgs('put', bucket, key, { file, local }));
    },
    async delete(key) {
      await wrangler(wranglerArgs('delete', bucket, key, { local }));
    },
  };
}

/**
 * Runs `task` over `items`, CONCURRENCY at a time.
 * @template T
 * @param {T[]} items
 * @param {(item: T) => Promise<void>} task
 */
async function eachLimited(items, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(/** @type {T} */ (items[next++]));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/**
 * Step 1: the window's manifest and the dictionaries the next build may use, from `bucket` into the
 * empty folder `dir`. Answers the manifest as it was (an empty window for a new bucket).
 * @param {Bucket} bucket
 * @param {string} dir
 * @returns {Promise<HistoryManifest>}
 */
export async function pullHistory(bucket, dir) {
  mkdirSync(dir, { recursive: true });
  if (!(await bucket.get(HISTORY_MANIFEST, join(dir, HISTORY_MANIFEST)))) return emptyHistory();
  const history = readHistory(dir);
  const dictionaries = new Set();
  for (const build of history.builds.slice(0, HISTORY_BUILDS)) {
    for (const path of build.files) {
      const identity = history.files[path]?.dictionary ? history.files[path]?.variants.find((v) => v.encoding === 'identity') : undefined;
      if (identity) dictionaries.add(identity.path.slice(1));
    }
  }
  await eachLimited([...dictionaries], async (key) => {
    if (!(await bucket.get(key, join(dir, key)))) throw new Error(`history: the bucket lists ${key} but does not have it`);
  });
  return history;
}

/**
 * Step 3: every file of the window in `dir` that `before` did not list, then the manifest.
 * @param {Bucket} bucket
 * @param {string} dir
 * @param {HistoryManifest} before
 * @returns {Promise<number>} files uploaded, the manifest not counted
 */
export async function pushHistory(bucket, dir, before) {
  const had = historyKeys(before);
  const added = [...historyKeys(readHistory(dir))].filter((key) => !had.has(key));
  for (const key of added) if (!existsSync(join(dir, key))) throw new Error(`history: ${key} is in the window but not in ${dir}`);
  await eachLimited(added, (key) => bucket.put(key, join(dir, key)));
  await bucket.put(HISTORY_MANIFEST, join(dir, HISTORY_MANIFEST));
  return added.length;
}

/**
 * Step 4: the files `before` listed that the window in `dir` no longer does.
 * @param {Bucket} bucket
 * @param {string} dir
 * @param {HistoryManifest} before
 * @returns {Promise<number>} files deleted
 */
export async function pruneHistory(bucket, dir, before) {
  const now = historyKeys(readHistory(dir));
  const gone = [...historyKeys(before)].filter((key) => !now.has(key));
  await eachLimited(gone, (key) => bucket.delete(key));
  return gone.length;
}
