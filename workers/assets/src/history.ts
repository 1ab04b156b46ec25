/**
 * The skew window: hashed files of earlier builds, kept by the build in a store that each build
 * appends to (scripts/history.mjs), so a tab opened before a deploy can still load its own chunks.
 * The worker looks a path up in the current build's manifest first and here only on a miss.
 *
 * The store's keys are file paths without their leading `/`, and `.manifest.json` lists every file
 * in the window in the build manifest's format. Locally the store is build/assets/.history, read
 * through the ASSETS binding (`npm start` serves nothing outside the assets directory); in
 * production it is an R2 bucket, because Workers Static Assets keeps only the current version and a
 * `wrangler rollback` must not lose the files of the builds after it.
 */
import { assetUrl, parseManifest, type Manifest, type ManifestEntry } from './manifest.ts';

export const HISTORY_MANIFEST_KEY = '.manifest.json';
/** Where the store sits in the ASSETS binding when it is the local build folder. */
export const ASSETS_HISTORY_FOLDER = '/.history';
/**
 * A miss is looked up again in a manifest read at most this long ago: during a gradual deploy, an
 * isolate of the previous version may be asked for a file of the next one, which the deploy wrote
 * to the store before the new version went live.
 */
export const RELOAD_AFTER_MS = 10_000;

export interface HistoryStore {
  /** The bytes stored at `key`, or null when the store has none. */
  get(key: string): Promise<Response | null>;
}

/** The store as a folder of the ASSETS binding (local: build/assets/.history). */
export function assetsFolderStore(assets: Fetcher, folder = ASSETS_HISTORY_FOLDER): HistoryStore {
  return {
    async get(key) {
      const response = await assets.fetch(assetUrl(`${folder}/${key}`));
      if (response.ok) return response;
      await response.body?.cancel();
      return null;
    },
  };
}

/** The store as an R2 bucket (production: the deploy appends each build to it). */
export function r2Store(bucket: R2Bucket): HistoryStore {
  return {
    async get(key) {
      const object = await bucket.get(key);
      return object ? new Response(object.body, { headers: { 'Content-Length': String(object.size) } }) : null;
    },
  };
}

/** The window's manifest of one isolate, read on the first miss and again on a miss after RELOAD_AFTER_MS. */
export class History {
  readonly #store: HistoryStore;
  readonly #now: () => number;
  #loaded: { manifest: Promise<Manifest>; at: number } | undefined;

  constructor(store: HistoryStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** The entry of an earlier build for `path`, or null when no build in the window has it. */
  async find(path: string): Promise<ManifestEntry | null> {
    const first = await this.#manifest(false);
    if (Object.hasOwn(first.files, path)) return first.files[path] ?? null;
    const again = await this.#manifest(true);
    return again !== first && Object.hasOwn(again.files, path) ? (again.files[path] ?? null) : null;
  }

  /** The bytes of a variant of an entry `find` returned, or null when the store lost them. */
  read(path: string): Promise<Response | null> {
    return this.#store.get(path.slice(1));
  }

  /** Drops the copy (the store disagreed with it). */
  reload(): void {
    this.#loaded = undefined;
  }

  #manifest(onMiss: boolean): Promise<Manifest> {
    const now = this.#now();
    if (!this.#loaded || (onMiss && now - this.#loaded.at >= RELOAD_AFTER_MS)) {
      const manifest = this.#read();
      this.#loaded = { manifest, at: now };
      manifest.catch(() => {
        if (this.#loaded?.manifest === manifest) this.#loaded = undefined; // let the next miss try again
      });
    }
    return this.#loaded.manifest;
  }

  async #read(): Promise<Manifest> {
    const response = await this.#store.get(HISTORY_MANIFEST_KEY);
    // No store yet (the first build, or a fresh bucket): an empty window.
    if (!response) return { version: 1, files: {} };
    return parseManifest(await response.json(), 'history manifest');
  }
}
