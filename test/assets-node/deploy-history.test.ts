/**
 * A deployed stage's skew window (scripts/history-r2.mjs): each deploy pulls the window from the
 * R2 bucket into an empty folder (as a fresh CI checkout has nothing), builds with it, pushes what
 * is new, and prunes what left the window. The bucket here is a real local R2 bucket (Miniflare,
 * persisted to a folder), and the worker reading it is the assets worker's bundle with
 * HISTORY_STORE = r2 on that same bucket. (`wranglerBucket`, the production Bucket, runs these
 * same four steps through `wrangler r2 object`; its arguments are checked in test/ops.)
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAssets } from '../../scripts/build.mjs';
import { decodeDcz, dictionaryHash } from '../../scripts/delta.mjs';
import { pruneHistory, pullHistory, pushHistory, type Bucket } from '../../scripts/history-r2.mjs';
import { HISTORY_MANIFEST, historyKeys, readHistory } from '../../scripts/history.mjs';
import { firstChunks, nextChunks, seeded, writeSpa, type Chunk } from '../support/spa-builds.ts';
import { localBucket, raw, removeDir, startAssetsWorkerOn } from './harness.ts';

const DAY = 24 * 60 * 60 * 1000;
const folders: string[] = [];
afterAll(() => folders.forEach(removeDir));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-deploy-history-'));
  folders.push(dir);
  return dir;
};

/** A Bucket (history-r2.mjs) over a local R2 bucket persisted in `persist`; `close` before the worker opens it. */
async function openBucket(persist: string): Promise<{ bucket: Bucket; keys(): Promise<string[]>; close(): Promise<void> }> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'bucket',
          modules: true,
          script: 'export default { fetch() { return new Response(null); } }',
          // The bucket the assets worker binds as HISTORY in wrangler.toml: the same local storage.
          r2Buckets: { HISTORY: 'assets-history' },
        },
      ],
      resourcePersistencePath: persist,
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const r2 = await localBucket(mf);
  return {
    bucket: {
      async get(key, file) {
        const object = await r2.get(key);
        if (!object) return false;
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, new Uint8Array(await object.arrayBuffer()));
        return true;
      },
      async put(key, file) {
        await r2.put(key, readFileSync(file));
      },
      async delete(key) {
        await r2.delete(key);
      },
    },
    keys: async () => (await r2.list()).objects.map((o) => o.key).sort(),
    close: () => mf.dispose(),
  };
}

/** One `npm run deploy -- assets`: pull into an empty folder, build in a fresh checkout's build/assets, push, (deploy), prune. */
async function deploy(persist: string, chunks: readonly Chunk[], now: Date) {
  const spa = tempDir();
  const files = writeSpa(spa, chunks, now.toISOString());
  const mirror = tempDir();
  const out = tempDir();
  const r2 = await openBucket(persist);
  try {
    const before = await pullHistory(r2.bucket, mirror);
    const { manifest } = writeAssets({ feedOrigin: null, from: spa, source: spa, out, now, history: { dir: mirror } });
    await pushHistory(r2.bucket, mirror, before);
    await pruneHistory(r2.bucket, mirror, before);
    const after = readHistory(mirror);
    // The bucket holds exactly the window and its manifest.
    expect(await r2.keys()).toEqual([...historyKeys(after), HISTORY_MANIFEST].sort());
    return { files, manifest, out, mirror };
  } finally {
    await r2.close();
  }
}

describe('the skew window in R2, mirrored by each deploy', () => {
  it('a fresh checkout deploys build 2 with deltas against build 1 from the bucket, and the worker serves build 1 from it', async () => {
    const persist = tempDir();
    const random = seeded(41);
    const first = firstChunks(random);
    const one = await deploy(persist, first, new Date(Date.UTC(2030, 0, 1)));
    const two = await deploy(persist, nextChunks(random, first), new Date(Date.UTC(2030, 0, 2)));

    // The pull brought the manifest and the dictionaries (identity bytes of scripts and styles), not
    // the rest of build 1: its compressed variants stayed in the bucket only.
    const pulled = readHistory(two.mirror);
    expect(pulled.builds.map((b) => b.id)).toEqual([two.manifest.build, one.manifest.build]);
    const onlyInOne = Object.keys(one.files).filter((p) => p.startsWith('/assets/') && !two.files[p]);
    expect(onlyInOne.length).toBeGreaterThan(0);
    for (const path of onlyInOne) {
      expect(existsSync(join(two.mirror, path.slice(1))), path).toBe(true);
      for (const variant of one.manifest.files[path]!.variants.filter((v) => v.encoding !== 'identity')) {
        expect(existsSync(join(two.mirror, variant.path.slice(1))), variant.path).toBe(false);
      }
    }

    const worker = await startAssetsWorkerOn(two.out, { history: 'r2', r2Persist: persist });
    try {
      for (const [path, text] of Object.entries(one.files).filter(([p]) => p.startsWith('/assets/'))) {
        const response = await raw(`${worker.origin}${path}`, { 'Sec-Fetch-Dest': 'script', 'Accept-Encoding': 'br' });
        expect(response.status, path).toBe(200);
        const body = response.headers['content-encoding'] === 'br' ? brotliDecompressSync(response.body) : response.body;
        expect(body.toString(), path).toBe(text);
      }
      const deltas = Object.entries(two.manifest.files).flatMap(([path, entry]) => (entry.deltas ?? []).map((delta) => ({ path, delta })));
      expect(deltas.length).toBeGreaterThan(0);
      for (const { path, delta } of deltas) {
        const dictionary = Object.entries(one.files).find(([, text]) => dictionaryHash(Buffer.from(text)) === delta.dictionary)?.[1];
        expect(dictionary, `${path}: a delta against a file of build 1`).toBeDefined();
        const response = await raw(`${worker.origin}${path}`, {
          'Accept-Encoding': 'br, dcz',
          'Available-Dictionary': `:${delta.dictionary}:`,
        });
        expect(response.headers['content-encoding']).toBe('dcz');
        expect(decodeDcz(response.body, Buffer.from(dictionary!)).toString()).toBe(two.files[path]);
      }
    } finally {
      await worker.close();
    }
  });

  it('deploys more than 30 days apart: the bucket keeps the current build and 5 before it, and nothing else', async () => {
    const persist = tempDir();
    const random = seeded(43);
    let chunks = firstChunks(random);
    const deployed = [];
    for (let i = 0; i < 7; i++) {
      deployed.push(await deploy(persist, chunks, new Date(Date.UTC(2030, 0, 1) + i * 40 * DAY)));
      chunks = nextChunks(random, chunks);
    }
    const last = deployed.at(-1)!;
    const window = readHistory(last.mirror);
    expect(window.builds.map((b) => b.id)).toEqual(
      deployed
        .slice(-6)
        .reverse()
        .map((d) => d.manifest.build),
    );
  });
});
