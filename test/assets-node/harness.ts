/** The assets worker on a real local port: from wrangler.toml [env.assets], or its bundle over any build folder. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { createTestHarness, unstable_getMiniflareWorkerOptions } from 'wrangler';
import { bundleWorker } from '../support/bundle.ts';

export const CONFIG_PATH = fileURLToPath(new URL('../../wrangler.toml', import.meta.url));
export const BUILD_DIR = fileURLToPath(new URL('../../build/assets', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../workers/assets/src/index.ts', import.meta.url));

export async function startAssetsWorker(): Promise<{ origin: string; close: () => Promise<void> }> {
  const harness = createTestHarness({ workers: [{ configPath: CONFIG_PATH, env: 'assets' }] });
  const { url } = await harness.listen();
  return { origin: url.origin, close: () => harness.close() };
}

export interface RunningAssets {
  origin: string;
  port: number;
  close(): Promise<void>;
}

let bundled: string | undefined;

/**
 * The worker's bundle in Miniflare with [env.assets]'s options, serving the build folder `dir`.
 * `port` 0 picks a free one; reuse a port to "deploy" to the same origin (a browser keeps its
 * dictionaries per origin). With `history: 'r2'` the skew window is read from the HISTORY bucket:
 * kept in the folder `r2Persist` (as a deploy left it), or filled here from the folder `r2From`.
 */
export async function startAssetsWorkerOn(
  dir: string,
  {
    port = 0,
    history = 'assets',
    r2From,
    r2Persist,
  }: { port?: number; history?: 'assets' | 'r2'; r2From?: string; r2Persist?: string } = {},
): Promise<RunningAssets> {
  if (!bundled) {
    bundled = join(mkdtempSync(join(tmpdir(), 'assets-bundle-')), 'index.js');
    bundleWorker(ENTRY, bundled);
  }
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG_PATH, 'assets');
  const options = workerOptions as typeof workerOptions & { assets: { directory: string }; bindings: Record<string, string> };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...options,
          name: 'assets',
          modules: true,
          scriptPath: bundled,
          modulesRoot: join(bundled, '..'),
          modulesRules: undefined,
          assets: { ...options.assets, directory: dir },
          bindings: { ...options.bindings, HISTORY_STORE: history },
        },
      ],
      cf: false,
      port,
      ...(r2Persist ? { resourcePersistencePath: r2Persist } : {}),
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const url = await mf.ready;
  if (history === 'r2' && r2From) {
    const bucket = await localBucket(mf);
    for (const file of filesUnder(r2From)) await bucket.put(relative(r2From, file).split(sep).join('/'), readFileSync(file));
  }
  return { origin: url.origin, port: Number(url.port), close: () => mf.dispose() };
}

/**
 * The part of a Miniflare R2 bucket these tests use. Miniflare types its buckets with
 * @cloudflare/workers-types, which the project does not install (README: the generated runtime
 * types instead), so its methods are typed here by hand.
 */
export interface LocalBucket {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  put(key: string, value: Uint8Array): Promise<unknown>;
  delete(key: string): Promise<void>;
  list(): Promise<{ objects: Array<{ key: string }> }>;
}

export async function localBucket(mf: Miniflare, binding = 'HISTORY'): Promise<LocalBucket> {
  return (await mf.getR2Bucket(binding)) as unknown as LocalBucket;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request with node:http, which never decodes bodies: the bytes as they went over the wire. */
export function raw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Removes a folder made for a test. */
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
