/** scripts/build.mjs with SPA_DIST: a built SPA of any bundler laid out as the assets worker serves it. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SOURCE, MANIFEST_NAME, spaInput, writeAssets } from '../../scripts/build.mjs';

const FIXTURE = fileURLToPath(new URL('../fixtures/own-spa', import.meta.url));
const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-build-'));
  temporary.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('spaInput', () => {
  it('is the demo when SPA_DIST is empty', () => {
    expect(spaInput(undefined)).toEqual({ source: DEMO_SOURCE, dir: null });
    expect(spaInput('')).toEqual({ source: DEMO_SOURCE, dir: null });
  });

  it('names a folder of the repository by its relative path', () => {
    expect(spaInput('test/fixtures/own-spa')).toEqual({ source: 'test/fixtures/own-spa', dir: FIXTURE });
  });

  it('refuses a folder that does not exist, or has no index.html at its root', () => {
    expect(() => spaInput('no/such/folder')).toThrow(/SPA_DIST=no\/such\/folder: no such folder/);
    const empty = tempDir();
    mkdirSync(join(empty, 'dist'));
    writeFileSync(join(empty, 'dist', 'index.html'), '<!doctype html>');
    expect(() => spaInput(empty)).toThrow(/no index.html at the folder's root; point SPA_DIST at the build output/);
  });
});

describe('writeAssets from a non-Vite SPA (test/fixtures/own-spa)', () => {
  it('serves every file, marks the webpack- and esbuild-hashed ones immutable and nothing else', () => {
    const out = tempDir();
    const { manifest } = writeAssets({ feedOrigin: null, from: FIXTURE, source: 'test/fixtures/own-spa', out });
    const immutable = Object.fromEntries(Object.entries(manifest.files).map(([path, entry]) => [path, entry.immutable]));
    expect(immutable).toEqual({
      '/chunks/view-ZBTX6YC2.js': true,
      '/favicon.svg': false,
      '/index.html': false,
      '/robots.txt': false,
      '/static/css/main.8c4d2e1f.css': true,
      '/static/js/787.1a2b3c4d.chunk.js': true,
      '/static/js/main.3f9a2b1c.js': true,
      '/static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg': true,
    });
    expect(manifest.source).toBe('test/fixtures/own-spa');
    expect(manifest.connectSrc).toEqual([]);
    expect(readFileSync(join(out, 'index.html'))).toEqual(readFileSync(join(FIXTURE, 'index.html')));
    expect(JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8'))).toEqual(manifest);
  });

  it('leaves out dot-files but keeps .well-known, and removes what the previous build left', () => {
    const spa = tempDir();
    const out = tempDir();
    mkdirSync(join(spa, '.vite'));
    mkdirSync(join(spa, '.well-known'));
    writeFileSync(join(spa, 'index.html'), '<!doctype html><title>a</title>');
    writeFileSync(join(spa, 'old.1a2b3c4d.js'), 'old');
    writeFileSync(join(spa, '.DS_Store'), 'x');
    writeFileSync(join(spa, '.vite', 'manifest.json'), '{}');
    writeFileSync(join(spa, '.well-known', 'security.txt'), 'Contact: mailto:security@example.com');
    writeAssets({ feedOrigin: null, from: spa, source: spa, out });
    rmSync(join(spa, 'old.1a2b3c4d.js'));
    const { manifest } = writeAssets({ feedOrigin: null, from: spa, source: spa, out });
    expect(Object.keys(manifest.files).sort()).toEqual(['/.well-known/security.txt', '/index.html']);
    expect(() => readFileSync(join(out, 'old.1a2b3c4d.js'))).toThrow(/ENOENT/);
  });
});
