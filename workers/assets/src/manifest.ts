/**
 * The build manifest written by scripts/build.mjs into build/assets/.assets-manifest.json: for each
 * URL path, its content type, whether its name is content-hashed, and every stored variant.
 * It is deployed with the files it describes (one `wrangler deploy`), so the two always agree.
 */
import type { EncodedVariant } from './negotiate.ts';

export interface StoredVariant extends EncodedVariant {
  /** Path of this variant's bytes in the ASSETS binding, e.g. `/assets/app.3f9a1c2b.js.br`. */
  path: string;
  /** Strong entity tag of these bytes, quotes included. */
  etag: string;
}

/** A variant compressed with an earlier version of the file as its dictionary (`dcz`, `dcb`). */
export interface StoredDelta extends StoredVariant {
  /** SHA-256 of the dictionary, base64: what `Available-Dictionary` names (dictionary.ts). */
  dictionary: string;
}

export interface ManifestEntry {
  contentType: string;
  /** True for content-hashed names: cacheable for a year, never revalidated. */
  immutable: boolean;
  /** HTTP-date; unchanged across builds while the file's bytes are unchanged. */
  lastModified: string;
  /** Smallest first; always includes `identity`. */
  variants: StoredVariant[];
  /** Set on hashed scripts and styles: the URL pattern of later versions of this file (`Use-As-Dictionary`). */
  dictionary?: { match: string };
  /** Deltas against earlier versions of the file, smallest first; only for a client that has the dictionary. */
  deltas?: StoredDelta[];
}

export interface Manifest {
  version: 1;
  /** Origins the SPA was built to call (its feed), added to the CSP connect-src. Absent in the history's manifest. */
  connectSrc?: string[];
  files: Record<string, ManifestEntry>;
}

export const MANIFEST_PATH = '/.assets-manifest.json';

/** The manifest of one isolate: read once from the binding, shared by every request after. */
export class ManifestLoader {
  readonly #assets: Fetcher;
  #cached: Promise<Manifest> | undefined;

  constructor(assets: Fetcher) {
    this.#assets = assets;
  }

  load(): Promise<Manifest> {
    this.#cached ??= readManifest(this.#assets).catch((error: unknown) => {
      this.#cached = undefined; // let the next request try again
      throw error;
    });
    return this.#cached;
  }

  /** Drops the copy (after the binding disagreed with it: a build swapped under a running worker). */
  reload(): void {
    this.#cached = undefined;
  }
}

async function readManifest(assets: Fetcher): Promise<Manifest> {
  const response = await assets.fetch(assetUrl(MANIFEST_PATH));
  if (!response.ok) throw new Error(`build manifest ${MANIFEST_PATH} missing from ASSETS (${response.status}); run \`npm run build\``);
  return parseManifest(await response.json(), 'build manifest');
}

/** A manifest read from a store, checked for the one format this worker knows. */
export function parseManifest(value: unknown, what: string): Manifest {
  const manifest = value as Manifest;
  if (manifest?.version !== 1 || typeof manifest.files !== 'object' || manifest.files === null)
    throw new Error(`${what} has an unknown format`);
  return manifest;
}

/** The manifest entry a decoded request path names: the file itself, or a directory's index.html. */
export function findEntry(manifest: Manifest, path: string): ManifestEntry | null {
  const exact = Object.hasOwn(manifest.files, path) ? manifest.files[path] : undefined;
  if (exact) return exact;
  if (path.endsWith('/')) {
    const index = `${path}index.html`;
    return Object.hasOwn(manifest.files, index) ? (manifest.files[index] ?? null) : null;
  }
  return null;
}

/** A URL for the ASSETS binding: only the path matters to it. */
export function assetUrl(path: string): string {
  return new URL(path, 'https://assets.internal').href;
}
