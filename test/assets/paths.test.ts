import { describe, expect, it } from 'vitest';
import { HttpError } from '../../shared/http/errors.ts';
import { withConnectSources } from '../../workers/assets/src/headers.ts';
import { acceptsHtml, isSpaNavigation } from '../../workers/assets/src/navigation.ts';
import { decodeRequestPath, hasFileExtension, MAX_PATH_LENGTH, pathOfRequestUrl } from '../../workers/assets/src/paths.ts';

function statusOf(path: string): number | string {
  try {
    return decodeRequestPath(path);
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

describe('decodeRequestPath', () => {
  it.each([
    ['/', '/'],
    ['/assets/index.3f9a1c2b.js', '/assets/index.3f9a1c2b.js'],
    ['/article/%31', '/article/1'],
    ['/caf%C3%A9', '/café'],
    ['/%2e%2e/%2e%2e/etc/passwd', 400], // what a raw request line would carry before URL parsing
    ['/assets/..%2f..%2fwrangler.toml', 400],
    ['/%2e%2e%2fsecret', 400],
    ['/..%5c..%5cwindows', 400],
    ['/a/../b', 400],
    ['/./a', 400],
    ['/index.html%00.js', 400],
    ['/%0d%0aSet-Cookie:x', 400],
    ['/%E0%A4%A', 400],
    ['/%', 400],
    ['/%zz', 400],
    ['relative', 400],
    // The same checks when nothing is percent-encoded (the path is used as it is).
    ['/a/..', 400],
    ['/a/./b', 400],
    ['/a\\b', 400],
    ['/a\u0000b', 400],
    ['/a/.well-known/x', '/a/.well-known/x'],
    ['/a//b', '/a//b'],
    [`/${'a'.repeat(MAX_PATH_LENGTH)}`, 414],
  ])('%s', (path, expected) => {
    expect(statusOf(path)).toBe(expected);
  });

  it.each([
    'http://localhost:8791/',
    'http://localhost:8791/assets/app.3f9a.js',
    'https://example.com/article/1?utm_source=x&next=/a/b',
    'https://example.com/a/b?q#frag',
    'https://example.com/a#frag?not-a-query',
    'https://user:pw@example.com:8443/caf%C3%A9/%2e%2e%2f',
    'http://[::1]:8791/x/y/',
  ])('pathOfRequestUrl(%s) is the URL parser pathname', (url) => {
    expect(pathOfRequestUrl(url)).toBe(new URL(url).pathname);
  });

  it.each([
    ['/assets/app.3f9a.js', true],
    ['/favicon.svg', true],
    ['/article/12', false],
    ['/about/', false],
    ['/', false],
    ['/v1.2/notes', false],
  ])('hasFileExtension(%s) = %s', (path, expected) => {
    expect(hasFileExtension(path)).toBe(expected);
  });
});

describe('SPA fallback is for navigations only', () => {
  const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  it.each([
    ['/article/1', { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' }, true],
    ['/article/1', { Accept: html }, true],
    ['/article/1', { Accept: '*/*' }, false],
    ['/article/1', {}, false],
    ['/article/1', { Accept: 'text/html;q=0' }, false],
    ['/article/1', { Accept: html, 'Sec-Fetch-Dest': 'script' }, false],
    ['/article/1', { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'image' }, false],
    ['/assets/app.3f9a.js', { 'Sec-Fetch-Mode': 'navigate', Accept: html }, false],
    ['/logo.png', { Accept: html }, false],
  ])('%s %j -> %s', (path, headers, expected) => {
    expect(isSpaNavigation(path, new Headers(headers))).toBe(expected);
  });

  it('reads Accept weights', () => {
    expect(acceptsHtml('application/xhtml+xml;q=0.5')).toBe(true);
    expect(acceptsHtml('text/plain, text/html;q=0.0')).toBe(false);
    expect(acceptsHtml(null)).toBe(false);
  });
});

describe('withConnectSources', () => {
  it.each([
    ["default-src 'self'; connect-src 'self'", ['http://localhost:8791'], "default-src 'self'; connect-src 'self' http://localhost:8791"],
    ["default-src 'self'", ['http://localhost:8791'], "default-src 'self'; connect-src 'self' http://localhost:8791"],
    ["connect-src 'none'", ['https://feed.example'], 'connect-src https://feed.example'],
    ["connect-src 'self' https://feed.example", ['https://feed.example'], "connect-src 'self' https://feed.example"],
    ["default-src 'self'", [], "default-src 'self'"],
  ])('%s + %j', (policy, origins, expected) => {
    expect(withConnectSources(policy, origins)).toBe(expected);
  });
});
