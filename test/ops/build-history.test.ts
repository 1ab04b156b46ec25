/**
 * scripts/build.mjs with a skew window (scripts/history.mjs) and deltas (scripts/delta.mjs): deploy
 * sequences of seeded SPAs whose chunks change a few lines at a time, checked after every build for
 * what the assets worker relies on: every hashed file of every build in the window is in the store
 * with the bytes its tag names, and every delta decodes to the exact bytes of its file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { etagOf, writeAssets, type BuildManifest, type Entry } from '../../scripts/build.mjs';
import { DCZ_MAGIC, decodeDcz, dictionaryHash } from '../../scripts/delta.mjs';
import { entryKey } from '../../scripts/hashed.mjs';
import { HISTORY_MANIFEST, keptBuilds, nextHistory, readHistory, type BuildRecord, type HistoryManifest } from '../../scripts/history.mjs';
import { firstChunks, nextChunks, seeded, writeSpa, type Chunk } from '../support/spa-builds.ts';

const DAY = 24 * 60 * 60 * 1000;
const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-history-'));
  temporary.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One deploy: the SPA written to a fresh folder and laid out into `out` with its history in `out/.history`. */
function deploy(out: string, chunks: readonly Chunk[], now: Date, marker = now.toISOString()) {
  const spa = tempDir();
  const files = writeSpa(spa, chunks, marker);
  const { manifest, stats } = writeAssets({ feedOrigin: null, from: spa, source: spa, out, now, history: { dir: join(out, '.history') } });
  return { manifest, stats, files };
}

const identityOf = (entry: Entry) => entry.variants.find((v) => v.encoding === 'identity')!;

/** The invariants every build must leave behind. */
function checkStore(out: string, current: BuildManifest): HistoryManifest {
  const store = join(out, '.history');
  const history = readHistory(store);
  expect(history.builds[0]?.id).toBe(current.build);
  expect(history.builds.filter((b) => b.replacedAt === null)).toHaveLength(1);
  for (const build of history.builds) {
    for (const path of build.files) {
      const entry = history.files[path];
      expect(entry, path).toBeDefined();
      expect(entry!.immutable).toBe(true);
      for (const stored of [...entry!.variants, ...(entry!.deltas ?? [])]) {
        const bytes = readFileSync(join(store, stored.path.slice(1)));
        expect(etagOf(bytes), stored.path).toBe(stored.etag);
        expect(bytes.length).toBe(stored.size);
      }
    }
  }
  // Every delta of the current build decodes, with the earlier file it names, to the exact bytes of
  // its file. (A file of an earlier build keeps the deltas it was built with, checked then, even
  // once their dictionary left the window: a browser may still hold that dictionary.)
  for (const path of history.builds[0]!.files) {
    const entry = history.files[path]!;
    const original = readFileSync(join(store, identityOf(entry).path.slice(1)));
    for (const delta of entry.deltas ?? []) {
      const dictionaryEntry = Object.entries(history.files).find(([p, e]) => p !== path && dictionaryHashOf(store, e) === delta.dictionary);
      expect(dictionaryEntry, `${path}: dictionary ${delta.dictionary} is in the window`).toBeDefined();
      const [dictionaryPath, dictionary] = dictionaryEntry!;
      expect(entryKey(dictionaryPath)).toBe(entryKey(path)); // a version of the same entry
      const body = readFileSync(join(store, delta.path.slice(1)));
      expect(body.subarray(0, 8).equals(DCZ_MAGIC)).toBe(true);
      expect(decodeDcz(body, readFileSync(join(store, identityOf(dictionary).path.slice(1)))).equals(original), delta.path).toBe(true);
    }
  }
  return history;
}

const hashes = new Map<string, string>();
function dictionaryHashOf(store: string, entry: Entry): string {
  const path = identityOf(entry).path;
  if (!hashes.has(path)) hashes.set(path, dictionaryHash(readFileSync(join(store, path.slice(1)))));
  return hashes.get(path)!;
}

describe('keptBuilds: the window', () => {
  const now = new Date(Date.UTC(2030, 5, 1));
  const build = (i: number, replacedDaysAgo: number | null): BuildRecord => ({
    id: `b${i}`,
    builtAt: now.toISOString(),
    replacedAt: replacedDaysAgo === null ? null : new Date(now.getTime() - replacedDaysAgo * DAY).toISOString(),
    files: [],
  });

  it.each([
    ['the current build and 5 earlier ones, however old', [null, 400, 300, 200, 100, 90, 80], ['b0', 'b1', 'b2', 'b3', 'b4', 'b5']],
    [
      'every build replaced within 30 days, however many',
      [null, 1, 2, 3, 4, 5, 6, 7, 29],
      ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8'],
    ],
    ['a build past both limits goes', [null, 1, 2, 3, 4, 5, 31, 40], ['b0', 'b1', 'b2', 'b3', 'b4', 'b5']],
    ['a young build after an old one stays', [null, 100, 100, 100, 100, 100, 100, 10], ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b7']],
  ])('%s', (_name, ages, expected) => {
    expect(
      keptBuilds(
        ages.map((age, i) => build(i, age)),
        now,
      ).map((b) => b.id),
    ).toEqual(expected);
  });
});

describe('nextHistory', () => {
  const entry = (path: string): Entry => ({
    contentType: 'text/javascript; charset=utf-8',
    immutable: true,
    lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT',
    variants: [{ encoding: 'identity', path, size: 1, etag: `"${path}"` }],
  });
  const t = (day: number) => new Date(Date.UTC(2030, 0, day));

  it('puts a build made again (a rollback) first instead of adding it twice, keeping the builds after it', () => {
    let history: HistoryManifest = { version: 1, files: {}, builds: [] };
    history = nextHistory(history, { id: 'a', files: { '/a.1a2b3c4d.js': entry('/a.1a2b3c4d.js') } }, t(1));
    history = nextHistory(history, { id: 'b', files: { '/a.5e6f7a8b.js': entry('/a.5e6f7a8b.js') } }, t(2));
    history = nextHistory(history, { id: 'a', files: { '/a.1a2b3c4d.js': entry('/a.1a2b3c4d.js') } }, t(3));
    expect(history.builds.map((b) => [b.id, b.replacedAt])).toEqual([
      ['a', null],
      ['b', t(3).toISOString()],
    ]);
    expect(Object.keys(history.files).sort()).toEqual(['/a.1a2b3c4d.js', '/a.5e6f7a8b.js']);
  });

  it('changes nothing but the file list when the current build is made again', () => {
    const once = nextHistory(
      { version: 1, files: {}, builds: [] },
      { id: 'a', files: { '/a.1a2b3c4d.js': entry('/a.1a2b3c4d.js') } },
      t(1),
    );
    const twice = nextHistory(once, { id: 'a', files: { '/a.1a2b3c4d.js': entry('/a.1a2b3c4d.js') } }, t(9));
    expect(twice).toEqual(once);
  });
});

describe('deploy sequences (seeded SPAs, a few lines changed per deploy)', () => {
  it.each([1, 2, 3, 4])('seed %i: 8 deploys a day apart, then a rollback to the first', (seed) => {
    const random = seeded(seed);
    const out = tempDir();
    const deploys: Chunk[][] = [firstChunks(random)];
    for (let i = 1; i < 8; i++) deploys.push(nextChunks(random, deploys[i - 1]!));
    const seen: Array<Record<string, string>> = [];
    let deltas = 0;
    for (const [i, chunks] of [...deploys, deploys[0]!].entries()) {
      const { manifest, files, stats } = deploy(out, chunks, new Date(Date.UTC(2030, 0, 1 + i)), `deploy ${i % 8}`);
      seen.push(files);
      const history = checkStore(out, manifest);
      deltas += stats.deltas;
      // A day apart: every build is within 30 days, so every earlier build's files are still there.
      for (const earlier of seen) {
        for (const path of Object.keys(earlier).filter((p) => p.startsWith('/assets/'))) {
          expect(history.files[path], `${path} of an earlier build`).toBeDefined();
          expect(readFileSync(join(out, '.history', path.slice(1)), 'utf8')).toBe(earlier[path]);
        }
      }
      // The current build has exactly its own files, index.html is not kept in the store.
      expect(Object.keys(manifest.files).sort()).toEqual(Object.keys(files).sort());
      expect(history.files['/index.html']).toBeUndefined();
    }
    expect(deltas).toBeGreaterThan(0);
    // The rollback is the first build again, moved to the front: 8 builds, not 9.
    const history = readHistory(join(out, '.history'));
    expect(history.builds).toHaveLength(8);
  });

  it('keeps only the current build and 5 earlier ones when builds are more than 30 days apart, and prunes the rest from the store', () => {
    const random = seeded(7);
    const out = tempDir();
    let chunks = firstChunks(random);
    const all: Array<Record<string, string>> = [];
    for (let i = 0; i < 9; i++) {
      const { manifest, files } = deploy(out, chunks, new Date(Date.UTC(2030, 0, 1) + i * 40 * DAY));
      all.push(files);
      checkStore(out, manifest);
      chunks = nextChunks(random, chunks);
    }
    const history = readHistory(join(out, '.history'));
    expect(history.builds).toHaveLength(6);
    const kept = new Set(Object.keys(history.files));
    const inWindow = new Set(all.slice(-6).flatMap((files) => Object.keys(files).filter((p) => p.startsWith('/assets/'))));
    expect(kept).toEqual(inWindow);
    const dropped = Object.keys(all[0]!).filter((p) => p.startsWith('/assets/') && !inWindow.has(p));
    expect(dropped.length).toBeGreaterThan(0);
    for (const path of dropped) expect(existsSync(join(out, '.history', path.slice(1))), path).toBe(false);
  });

  it('a chunk that changed a few lines gets a delta far smaller than its Brotli; a renamed chunk gets none', () => {
    const random = seeded(11);
    const out = tempDir();
    const first = firstChunks(random);
    deploy(out, first, new Date(Date.UTC(2030, 0, 1)));
    const second = first.map((chunk) => ({ ...chunk, lines: [...chunk.lines] }));
    second[1]!.lines[10] = 'export const changed = 1;'; // vendor: one line
    second[2]!.name = 'view-article-renamed'; // a new entry key
    const { manifest } = deploy(out, second, new Date(Date.UTC(2030, 0, 2)));
    const vendor = Object.entries(manifest.files).find(([p]) => p.startsWith('/assets/vendor-'))![1];
    const br = vendor.variants.find((v) => v.encoding === 'br')!;
    expect(vendor.deltas?.map((d) => d.encoding)).toEqual(['dcz']);
    expect(vendor.deltas![0]!.size).toBeLessThan(br.size / 20);
    const renamed = Object.entries(manifest.files).find(([p]) => p.includes('view-article-renamed'))![1];
    expect(renamed.dictionary).toEqual({ match: expect.stringMatching(/^\/assets\/view-article-renamed\.\*\.js$/) });
    expect(renamed.deltas).toBeUndefined();
    // Unchanged files keep their names: nothing to send.
    expect(Object.keys(manifest.files).filter((p) => p.startsWith('/assets/view-feed-'))).toHaveLength(1);
  });

  it('is idempotent: building the same SPA again changes no byte of the store and makes no delta', () => {
    const random = seeded(5);
    const out = tempDir();
    const first = firstChunks(random);
    deploy(out, first, new Date(Date.UTC(2030, 0, 1)), 'first');
    const second = deploy(out, nextChunks(random, first), new Date(Date.UTC(2030, 0, 2)), 'second');
    expect(second.stats.deltas).toBeGreaterThan(0);
    const before = readFileSync(join(out, '.history', HISTORY_MANIFEST), 'utf8');
    const again = writeAssets({
      feedOrigin: null,
      from: spaOf(second.files),
      source: 'again',
      out,
      now: new Date(Date.UTC(2030, 0, 9)),
      history: { dir: join(out, '.history') },
    });
    expect(again.stats.deltas).toBe(0);
    expect(again.stats.deltasReused).toBe(second.stats.deltas);
    expect(again.stats.compressed).toBe(0);
    expect(again.manifest.build).toBe(second.manifest.build);
    expect(readFileSync(join(out, '.history', HISTORY_MANIFEST), 'utf8')).toBe(before);
  });
});

function spaOf(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('entry keys within one build', () => {
  it('two files with one key (esbuild chunk-[hash].js) are not offered as dictionaries; unique ones are', () => {
    const spa = tempDir();
    const out = tempDir();
    const big = (seed: number) => `${Array.from({ length: 200 }, (_, i) => `export const v${i} = ${seed * i};`).join('\n')}\n`;
    for (const [path, text] of Object.entries({
      '/index.html': '<!doctype html>',
      '/chunk-5X7YVNZI.js': big(1),
      '/chunk-ZBTX6YC2.js': big(2),
      '/main-ABCDEF23.js': big(3),
      '/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg': '<svg/>',
    })) {
      writeFileSync(join(spa, path), text);
    }
    const { manifest } = writeAssets({ feedOrigin: null, from: spa, source: spa, out, history: { dir: join(out, '.history') } });
    expect(manifest.files['/chunk-5X7YVNZI.js']!.dictionary).toBeUndefined();
    expect(manifest.files['/chunk-ZBTX6YC2.js']!.dictionary).toBeUndefined();
    expect(manifest.files['/main-ABCDEF23.js']!.dictionary).toEqual({ match: '/main-*.js' });
    expect(manifest.files['/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg']!.dictionary).toBeUndefined(); // scripts and styles only
    expect(manifest.files['/index.html']!.dictionary).toBeUndefined();
  });

  it('without a history (another folder precompressed, such as a UI build) there is no store and no dictionary', () => {
    const spa = tempDir();
    const out = tempDir();
    writeSpa(spa, firstChunks(seeded(3)), 'ui');
    const { manifest } = writeAssets({ feedOrigin: null, from: spa, source: spa, out });
    expect(existsSync(join(out, '.history'))).toBe(false);
    expect(Object.values(manifest.files).some((e) => e.dictionary || e.deltas)).toBe(false);
  });
});

describe('dcz', () => {
  it('is the magic, the SHA-256 of the dictionary, then a zstd frame', () => {
    const dictionary = Buffer.from('export const a = 1;\n'.repeat(50));
    const hash = createHash('sha256').update(dictionary).digest();
    expect(dictionaryHash(dictionary)).toBe(hash.toString('base64'));
    expect(() => decodeDcz(Buffer.concat([DCZ_MAGIC, Buffer.alloc(32), Buffer.from([1, 2, 3])]), dictionary)).toThrow(/another dictionary/);
    expect(() => decodeDcz(Buffer.alloc(50), dictionary)).toThrow(/magic/);
  });
});
