/** scripts/build.mjs: which variants are kept, and that a rebuild changes nothing and recompresses nothing. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HISTORY_DIR, MANIFEST_PATH, buildAssets, keptEncodings, writeAssets } from '../../scripts/build.mjs';
import { isHashedPath } from '../../scripts/hashed.mjs';

describe('keptEncodings', () => {
  it.each([
    ['all pay off', { identity: 1000, gzip: 300, zstd: 270, br: 250 }, ['br', 'zstd', 'gzip', 'identity']],
    [
      'br beats zstd: both kept (Safari takes br only, curl may take zstd only)',
      { identity: 1000, gzip: 300, zstd: 260, br: 280 },
      ['zstd', 'br', 'gzip', 'identity'],
    ],
    ['zstd no better than gzip: dropped', { identity: 1000, gzip: 300, zstd: 300, br: 250 }, ['br', 'gzip', 'identity']],
    ['tiny file: nothing beats identity', { identity: 23, gzip: 43, zstd: 32, br: 27 }, ['identity']],
    ['gzip loses, br still wins over identity', { identity: 100, gzip: 101, zstd: 102, br: 90 }, ['br', 'identity']],
    ['not compressible: identity only', { identity: 5000 }, ['identity']],
  ])('%s', (_name, sizes, expected) => {
    expect(keptEncodings(sizes)).toEqual(expected);
  });
});

describe('build', () => {
  it('is idempotent: a second layout recompresses nothing and writes the same manifest', async () => {
    await buildAssets({ quiet: true, spaDist: null });
    const before = readFileSync(MANIFEST_PATH, 'utf8');
    const { stats, manifest } = writeAssets({
      feedOrigin: 'http://localhost:8791',
      authOrigin: 'http://localhost:8793',
      now: new Date(Date.UTC(2030, 0, 1)),
      history: { dir: HISTORY_DIR },
    });
    expect(stats.compressed).toBe(0);
    expect(stats.deltas).toBe(0);
    expect(stats.reused).toBeGreaterThan(0);
    expect(readFileSync(MANIFEST_PATH, 'utf8')).toBe(before); // Last-Modified did not move either
    const paths = Object.keys(manifest.files);
    expect(paths).toContain('/index.html');
    const immutable = paths.filter((p) => manifest.files[p]!.immutable);
    expect(immutable.length).toBeGreaterThan(0);
    expect(immutable.every((p) => p.startsWith('/assets/') && isHashedPath(p))).toBe(true);
    expect(manifest.files['/index.html']!.immutable).toBe(false);
    const js = paths.filter((p) => p.endsWith('.js'));
    const bytes = js.reduce((sum, p) => sum + manifest.files[p]!.variants.find((v) => v.encoding === 'identity')!.size, 0);
    expect(bytes).toBeGreaterThan(150 * 1024); // the demo is big enough for compression to show
  });
});
