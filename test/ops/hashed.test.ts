/** scripts/hashed.mjs: which built file names carry a content hash (served immutable by assets). */
import { describe, expect, it } from 'vitest';
import { entryKey, isHashedPath } from '../../scripts/hashed.mjs';

describe('isHashedPath', () => {
  it.each([
    ['Vite default, base64url', '/assets/index-BmQ3x_9k.js'],
    ['Vite default, hash holding a dash', '/assets/index-C-3q1bV5.css'],
    ['Vite default, hash without digits', '/assets/Button-BmQxLkPw.js'],
    ["the demo's Vite naming", '/assets/app.3f9aC2bq.js'],
    ['webpack [name].[contenthash].js', '/static/js/main.3f9a2b1c4d5e6f708192.js'],
    ['webpack [contenthash:8]', '/static/js/main.3f9a2b1c.js'],
    ['webpack split chunk', '/static/js/787.1a2b3c4d.chunk.js'],
    ['webpack asset module, full md4 hash', '/static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg'],
    ['esbuild [name]-[hash]', '/chunk-5X7YVNZI.js'],
    ['esbuild hash without digits', '/main-ZBTXEYCA.js'],
    ['esbuild, deep folder', '/a/b/c/view-ZBTX6YC2.js'],
    ['Parcel', '/index.1f2e3d4c.js'],
    ['Next.js chunk', '/_next/static/chunks/pages/_app-0a1b2c3d4e5f6a7b.js'],
    ['source map of a hashed file', '/assets/index-C-3q1bV5.js.map'],
  ])('%s: %s is hashed', (_name, path) => {
    expect(isHashedPath(path)).toBe(true);
  });

  it.each([
    ['the entry document', '/index.html'],
    ['a nested page', '/docs/index.html'],
    ['favicon', '/favicon.svg'],
    ['robots', '/robots.txt'],
    ['a service worker', '/service-worker.js'],
    ['a web manifest', '/manifest.webmanifest'],
    ['a vendored library with a version', '/vendor/jquery-3.7.1.min.js'],
    ['a vendored build', '/vendor/react-dom.production.min.js'],
    ['a word of eight letters', '/js/jquery.validate.js'],
    ['a font weight in CamelCase', '/fonts/Inter-SemiBold.woff2'],
    ['another font weight', '/fonts/OpenSans-ExtraBold.woff2'],
    ['a date of digits only', '/img/photo.20240101.jpg'],
    ['a lower-case word after a dash', '/assets/my-component-abcdefgh.js'],
    ['a name without extension', '/assets/3f9a2b1c'],
  ])('%s: %s is not hashed', (_name, path) => {
    expect(isHashedPath(path)).toBe(false);
  });
});

describe('entryKey: the name a file keeps across builds', () => {
  it.each([
    ['/assets/index-BmQ3x_9k.js', '/assets/index-*.js'],
    ['/assets/index-C-3q1bV5.css', '/assets/index-*.css'],
    ['/assets/article.Dxcc1Pfu.js', '/assets/article.*.js'],
    ['/static/js/main.3f9a2b1c.js', '/static/js/main.*.js'],
    ['/static/js/787.1a2b3c4d.chunk.js', '/static/js/787.*.chunk.js'],
    ['/chunk-5X7YVNZI.js', '/chunk-*.js'],
    ['/_next/static/chunks/pages/_app-0a1b2c3d4e5f6a7b.js', '/_next/static/chunks/pages/_app-*.js'],
    ['/static/media/logo.6ce24c58023cc2f8fd88fe9d219db6c6.svg', '/static/media/logo.*.svg'],
    ['/assets/index-C-3q1bV5.js.map', '/assets/index-*.js.map'],
    ['/index.html', null],
    ['/fonts/Inter-SemiBold.woff2', null],
  ])('%s -> %s', (path, key) => {
    expect(entryKey(path)).toBe(key);
  });
});
