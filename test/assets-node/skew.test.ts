/**
 * Deploys that break no open tab, over HTTP: the worker's bundle in Miniflare, "deployed" by
 * laying out a new build and restarting it on that folder, through seeded deploy sequences whose
 * chunks change a few lines at a time (build, build, build, rollback to the first). After each
 * deploy, every subresource request a tab of any earlier build in the window can make is answered
 * with that file's exact bytes (never HTML, never 404), and every delta the build made decodes,
 * with the dictionary it names, to the exact bytes of the current file. Once with the window in the
 * build folder (local), once in the R2 bucket (production).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAssets, type BuildManifest, type Entry } from '../../scripts/build.mjs';
import { decodeDcz } from '../../scripts/delta.mjs';
import { readHistory } from '../../scripts/history.mjs';
import { firstChunks, nextChunks, seeded, writeSpa, type Chunk } from '../support/spa-builds.ts';
import { raw, removeDir, startAssetsWorkerOn, type RunningAssets } from './harness.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const DESTINATIONS: Record<string, string> = { js: 'script', css: 'style' };
const folders: string[] = [];
afterAll(() => folders.forEach(removeDir));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-skew-'));
  folders.push(dir);
  return dir;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
const extension = (path: string) => path.slice(path.lastIndexOf('.') + 1);

describe.each(['assets', 'r2'] as const)('deploy sequences with the window in %s', (store) => {
  it('build, build, build, rollback to the first: every file of every earlier build stays servable; deltas decode exactly', async () => {
    const random = seeded(store === 'assets' ? 21 : 22);
    const out = tempDir();
    const historyDir = store === 'assets' ? join(out, '.history') : join(tempDir(), 'history');
    const first = firstChunks(random);
    const deploys: Chunk[][] = [first, nextChunks(random, first)];
    deploys.push(nextChunks(random, deploys[1]!), first); // then a rollback to the first
    /** Every hashed file any deploy so far put in front of a tab: path -> text. */
    const earlier = new Map<string, string>();
    let worker: RunningAssets | undefined;
    let deltasChecked = 0;

    for (const [i, chunks] of deploys.entries()) {
      const spa = tempDir();
      const files = writeSpa(spa, chunks, `deploy ${i}`);
      const { manifest } = writeAssets({
        feedOrigin: null,
        from: spa,
        source: spa,
        out,
        now: new Date(Date.UTC(2030, 0, 1 + i)),
        history: { dir: historyDir },
      });
      await worker?.close();
      worker = await startAssetsWorkerOn(out, { history: store, r2From: historyDir });
      const origin = worker.origin;
      for (const [path, text] of Object.entries(files)) if (path.startsWith('/assets/')) earlier.set(path, text);

      // A tab of any deploy so far loads its chunks and styles.
      for (const [path, text] of earlier) {
        const response = await raw(`${origin}${path}`, {
          'Sec-Fetch-Dest': DESTINATIONS[extension(path)]!,
          Accept: '*/*',
          'Accept-Encoding': 'br',
        });
        expect(response.status, `deploy ${i}: ${path}`).toBe(200);
        expect(response.headers['content-type'], path).not.toContain('text/html');
        expect(response.headers['cache-control'], path).toBe(IMMUTABLE);
        const body = response.headers['content-encoding'] === 'br' ? brotliDecompressSync(response.body) : response.body;
        expect(body.toString(), path).toBe(text);
      }

      // A returning visitor holding any earlier version of a changed file gets the delta.
      const history = readHistory(historyDir);
      for (const [path, entry] of Object.entries(manifest.files)) {
        for (const delta of entry.deltas ?? []) {
          const dictionary = [...earlier].find(([p, text]) => p !== path && sha256(text) === delta.dictionary);
          expect(dictionary, `${path}: the dictionary of ${delta.path} is a file of an earlier build`).toBeDefined();
          await checkDelta(origin, path, entry, delta, files[path]!, dictionary![1]);
          deltasChecked++;
        }
      }
      await checkFallbacks(origin, manifest, earlier);
      expect(Object.keys(history.files).length).toBeGreaterThan(0);

      // The shell revalidates and names only files of its own build.
      const index = await raw(`${origin}/`, { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' });
      expect(index.headers['cache-control']).toBe('no-cache');
      for (const [, path] of index.body.toString().matchAll(/(?:src|href)="([^"]+)"/g)) expect(manifest.files[path!], path).toBeDefined();

      // A file no build has is a short non-HTML 404, whatever it is requested as.
      for (const destination of ['script', 'style', 'worker', 'image', 'font', 'empty']) {
        const missing = await raw(`${origin}/assets/app.ffffff9a.js`, { 'Sec-Fetch-Dest': destination, Accept: 'text/html,*/*' });
        expect(missing.status).toBe(404);
        expect(missing.headers['content-type']).toContain('application/json');
        expect(missing.body.length).toBeLessThan(200);
      }
    }
    await worker?.close();
    expect(deltasChecked).toBeGreaterThan(3);
  });
});

/** The delta path of one file: the dcz answer, its headers, HEAD, a revalidation, Range. */
async function checkDelta(
  origin: string,
  path: string,
  entry: Entry,
  delta: NonNullable<Entry['deltas']>[number],
  text: string,
  dictionary: string,
) {
  const offer = { 'Accept-Encoding': 'br, zstd, dcb, dcz', 'Available-Dictionary': `:${delta.dictionary}:`, 'Sec-Fetch-Dest': 'script' };
  const response = await raw(`${origin}${path}`, offer);
  expect(response.status).toBe(200);
  expect(response.headers['content-encoding']).toBe('dcz');
  expect(response.headers.vary).toBe('Accept-Encoding, Available-Dictionary');
  expect(response.headers.etag).toBe(delta.etag);
  expect(response.headers['use-as-dictionary']).toBe(`match="${entry.dictionary?.match}"`);
  expect(response.headers['cache-control']).toBe(IMMUTABLE);
  expect(response.body.length).toBe(delta.size);
  expect(decodeDcz(response.body, Buffer.from(dictionary)).toString()).toBe(text);

  const head = await raw(`${origin}${path}`, offer, 'HEAD');
  expect(head.headers['content-length']).toBe(String(delta.size));
  expect(head.headers['content-encoding']).toBe('dcz');
  const revalidated = await raw(`${origin}${path}`, { ...offer, 'If-None-Match': delta.etag });
  expect(revalidated.status).toBe(304);
  expect(revalidated.headers.vary).toBe('Accept-Encoding, Available-Dictionary');

  // Range on a delta: the whole representation (RFC 9110 §14.2 lets a server ignore Range), never
  // a slice of the delta a client could not decode.
  for (const range of ['bytes=0-9', 'bytes=-5', `bytes=${delta.size + 100}-`]) {
    const ranged = await raw(`${origin}${path}`, { ...offer, Range: range });
    expect(ranged.status, range).toBe(200);
    expect(ranged.headers['accept-ranges']).toBe('none');
    expect(ranged.headers['content-range']).toBeUndefined();
    expect(decodeDcz(ranged.body, Buffer.from(dictionary)).toString()).toBe(text);
  }
}

/** Dictionaries the build has no delta for: the usual Brotli, still varying on the dictionary. */
async function checkFallbacks(origin: string, manifest: BuildManifest, earlier: Map<string, string>) {
  const [path, entry] = Object.entries(manifest.files).find(([, e]) => e.deltas?.length) ?? [];
  if (!path || !entry) return;
  const br = entry.variants.find((v) => v.encoding === 'br')!;
  const otherEntry = [...earlier].find(([p]) => p !== path && !entry.deltas?.some((d) => d.dictionary === sha256(earlier.get(p)!)));
  for (const offered of [randomBytes(32).toString('base64'), sha256(otherEntry?.[1] ?? 'x'), entry.deltas![0]!.dictionary.slice(4)]) {
    const response = await raw(`${origin}${path}`, { 'Accept-Encoding': 'br, dcz', 'Available-Dictionary': `:${offered}:` });
    expect(response.headers['content-encoding'], offered).toBe('br');
    expect(response.headers.etag).toBe(br.etag);
    expect(response.headers.vary).toBe('Accept-Encoding, Available-Dictionary');
  }
  // The dictionary it has, but no dictionary coding named: no delta either.
  const plain = await raw(`${origin}${path}`, { 'Accept-Encoding': 'br', 'Available-Dictionary': `:${entry.deltas![0]!.dictionary}:` });
  expect(plain.headers['content-encoding']).toBe('br');
}
