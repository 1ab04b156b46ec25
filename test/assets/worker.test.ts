/**
 * The assets worker in workerd with its real ASSETS binding over build/assets/ (built by
 * scripts/build.mjs before the run). Expected bytes come from the build manifest and the binding.
 */
import { env, SELF } from 'cloudflare:test';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../../workers/assets/src/headers.ts';
import { assetUrl, MANIFEST_PATH, type Manifest, type ManifestEntry } from '../../workers/assets/src/manifest.ts';
import { varyOf } from '../../workers/assets/src/serve.ts';

const ORIGIN = 'http://assets.test';
let manifest: Manifest;
let index: ManifestEntry;
/** The largest hashed script: it has all four variants. */
let script: { path: string; entry: ManifestEntry };
let identityBytes: Uint8Array;

/** A request through the worker; `encodeResponseBody: "manual"` keeps the body exactly as sent on the wire. */
function get(path: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, { headers, encodeResponseBody: 'manual', ...init });
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function variant(entry: ManifestEntry, encoding: string) {
  const found = entry.variants.find((v) => v.encoding === encoding);
  if (!found) throw new Error(`no ${encoding} variant`);
  return found;
}

/** Decodes a body with the codec its Content-Encoding names. */
function decode(encoding: string | null, body: Uint8Array): Uint8Array {
  switch (encoding) {
    case null:
      return body;
    case 'br':
      return new Uint8Array(zlib.brotliDecompressSync(body));
    case 'zstd':
      return new Uint8Array(zlib.zstdDecompressSync(body));
    case 'gzip':
      return new Uint8Array(zlib.gunzipSync(body));
    default:
      throw new Error(`unexpected Content-Encoding ${encoding}`);
  }
}

beforeAll(async () => {
  manifest = (await (await env.ASSETS.fetch(assetUrl(MANIFEST_PATH))).json()) as Manifest;
  index = manifest.files['/index.html']!;
  const [path, entry] = Object.entries(manifest.files)
    .filter(([p]) => p.endsWith('.js'))
    .sort(([, a], [, b]) => variant(b, 'identity').size - variant(a, 'identity').size)[0]!;
  script = { path, entry };
  identityBytes = await bytesOf(await env.ASSETS.fetch(assetUrl(path)));
});

describe('precompressed variants', () => {
  it('the build stores br, zstd and gzip for the big script', () => {
    expect(script.entry.variants.map((v) => v.encoding).sort()).toEqual(['br', 'gzip', 'identity', 'zstd']);
  });

  it.each([
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['zstd', 'zstd'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['', null],
    [null, null],
  ])('Accept-Encoding %j gets %s', async (acceptEncoding, expected) => {
    const response = await get(script.path, acceptEncoding === null ? {} : { 'Accept-Encoding': acceptEncoding });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Encoding')).toBe(expected);
    expect(response.headers.get('Vary')).toBe(varyOf(script.entry));
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    const stored = variant(script.entry, expected ?? 'identity');
    expect(response.headers.get('ETag')).toBe(stored.etag);
    const body = await bytesOf(response);
    expect(body.byteLength).toBe(stored.size); // sent as stored, not re-encoded
    expect(decode(expected, body)).toEqual(identityBytes);
  });

  it('an isolate that has answered one request shape answers each other shape for itself', async () => {
    // One isolate remembers answers per path, Accept-Encoding and Available-Dictionary: asking in
    // turns must never hand one shape the answer of another.
    const turns: Array<[string | null, string | null]> = [
      ['br', 'br'],
      ['gzip', 'gzip'],
      [null, null],
      ['br', 'br'],
      ['', null],
      ['gzip', 'gzip'],
    ];
    for (const [acceptEncoding, expected] of turns) {
      const response = await get(script.path, acceptEncoding === null ? {} : { 'Accept-Encoding': acceptEncoding });
      expect(response.headers.get('Content-Encoding')).toBe(expected);
      expect(response.headers.get('ETag')).toBe(variant(script.entry, expected ?? 'identity').etag);
      await response.body?.cancel();
    }
  });

  it('answers 406 with JSON when identity is ruled out and nothing else is accepted', async () => {
    const response = await get(script.path, { 'Accept-Encoding': 'identity;q=0' });
    expect(response.status).toBe(406);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ error: { code: 'not_acceptable', field: 'accept-encoding' } });
  });

  it('every variant of every file decodes byte-for-byte to the original', async () => {
    let checked = 0;
    for (const [path, entry] of Object.entries(manifest.files)) {
      const original = await bytesOf(await env.ASSETS.fetch(assetUrl(path)));
      for (const stored of entry.variants) {
        const response = await get(path, { 'Accept-Encoding': stored.encoding });
        expect(response.headers.get('Content-Encoding'), path).toBe(stored.encoding === 'identity' ? null : stored.encoding);
        expect(response.headers.get('ETag'), path).toBe(stored.etag);
        expect(decode(response.headers.get('Content-Encoding'), await bytesOf(response)), `${path} ${stored.encoding}`).toEqual(original);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(Object.keys(manifest.files).length);
  });

  it.each([
    ['gzip', 'gzip'],
    ['zstd, gzip', 'zstd'],
    ['', null], // the client sent no Accept-Encoding: the edge's rewritten header does not count
  ])(
    'request.cf.clientAcceptEncoding %j (the client header in production) wins over the rewritten header -> %s',
    async (fromEdge, expected) => {
      const response = await get(script.path, { 'Accept-Encoding': 'br, gzip' }, { cf: { clientAcceptEncoding: fromEdge } });
      expect(response.headers.get('Content-Encoding')).toBe(expected);
      await response.arrayBuffer();
    },
  );

  it('a file with one variant (robots.txt) has no Vary and no Content-Encoding', async () => {
    const response = await get('/robots.txt', { 'Accept-Encoding': 'br, gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Vary')).toBeNull();
    expect(response.headers.get('Content-Encoding')).toBeNull();
    expect(response.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toContain('User-agent');
  });
});

describe('caching', () => {
  it('hashed files are immutable for a year', async () => {
    const response = await get(script.path);
    expect(response.headers.get('Cache-Control')).toBe(IMMUTABLE);
    await response.arrayBuffer();
  });

  it.each(['/', '/index.html', '/favicon.svg', '/robots.txt'])('%s revalidates (no-cache)', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
    await response.arrayBuffer();
  });
});

describe('dictionaries (Compression Dictionary Transport)', () => {
  it('every hashed script and style names the pattern of its later versions; nothing else does', async () => {
    for (const [path, entry] of Object.entries(manifest.files)) {
      const response = await get(path, { 'Accept-Encoding': 'br' });
      await response.arrayBuffer();
      if (entry.immutable && /\.(js|css)$/.test(path)) {
        const pattern = path.replace(/\.[^./]+(\.(js|css))$/, '.*$1');
        expect(response.headers.get('Use-As-Dictionary'), path).toBe(`match="${pattern}"`);
      } else {
        expect(response.headers.get('Use-As-Dictionary'), path).toBeNull();
      }
    }
  });

  it('an Available-Dictionary the build has no delta for (unknown, malformed) gets the usual encodings', async () => {
    const unknown = `:${btoa('u'.repeat(32))}:`;
    for (const offered of [unknown, ':not base64:', 'garbage']) {
      const response = await get(script.path, { 'Accept-Encoding': 'gzip, br, zstd, dcb, dcz', 'Available-Dictionary': offered });
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Encoding')).toBe('br');
      expect(response.headers.get('ETag')).toBe(variant(script.entry, 'br').etag);
      expect(decode('br', await bytesOf(response))).toEqual(identityBytes);
    }
  });

  it('index.html is never immutable, and names only files of its own build', async () => {
    const response = await get('/', { 'Accept-Encoding': 'identity' });
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
    const html = await response.text();
    // Every file it loads (links to pages, `/article/1`, are routes of the SPA).
    const named = [...html.matchAll(/(?:src|href)="(\/[^"]+\.[a-z0-9]+)"/gi)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) expect(Object.keys(manifest.files), path).toContain(path);
  });
});

describe('conditional requests', () => {
  const br = () => variant(script.entry, 'br');

  it.each([
    ['its own tag', () => br().etag, 304],
    ['a list holding its tag', () => `"stale", ${br().etag}`, 304],
    ['its tag marked weak', () => `W/${br().etag}`, 304],
    ['*', () => '*', 304],
    ["another variant's tag", () => variant(script.entry, 'gzip').etag, 200],
    ['an unrelated tag', () => '"nope"', 200],
  ])('If-None-Match with %s -> %d', async (_name, tag, status) => {
    const response = await get(script.path, { 'Accept-Encoding': 'br', 'If-None-Match': tag() });
    expect(response.status).toBe(status);
    if (status === 304) {
      expect(await response.text()).toBe('');
      expect(response.headers.get('ETag')).toBe(br().etag);
      expect(response.headers.get('Cache-Control')).toBe(IMMUTABLE);
      // As on its 200: a file with deltas (a build after an earlier one) varies on the dictionary too.
      expect(response.headers.get('Vary')).toBe(script.entry.deltas?.length ? 'Accept-Encoding, Available-Dictionary' : 'Accept-Encoding');
    } else {
      await response.arrayBuffer();
    }
  });

  it('If-Modified-Since at or after Last-Modified -> 304, before -> 200', async () => {
    const lastModified = index.lastModified;
    const same = await get('/', { 'If-Modified-Since': lastModified });
    expect(same.status).toBe(304);
    const before = await get('/', { 'If-Modified-Since': new Date(Date.parse(lastModified) - 60_000).toUTCString() });
    expect(before.status).toBe(200);
    expect(before.headers.get('Last-Modified')).toBe(lastModified);
    await before.arrayBuffer();
  });

  it('If-None-Match takes precedence over If-Modified-Since', async () => {
    const response = await get('/', { 'If-None-Match': '"other"', 'If-Modified-Since': index.lastModified });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it('If-Match that does not hold -> 412 JSON', async () => {
    const response = await get('/', { 'If-Match': '"other"' });
    expect(response.status).toBe(412);
    expect(await response.json()).toMatchObject({ error: { code: 'precondition_failed' } });
  });

  it('a revalidated navigation fallback is 304 too', async () => {
    const tag = variant(index, 'identity').etag;
    const response = await get('/article/7', { 'Sec-Fetch-Mode': 'navigate', 'If-None-Match': tag });
    expect(response.status).toBe(304);
  });
});

describe('HEAD', () => {
  it('has the headers of GET and no body', async () => {
    for (const acceptEncoding of ['br', 'gzip', '']) {
      const got = await get(script.path, { 'Accept-Encoding': acceptEncoding });
      const body = await bytesOf(got);
      const head = await get(script.path, { 'Accept-Encoding': acceptEncoding }, { method: 'HEAD' });
      expect(head.status).toBe(200);
      for (const name of ['Content-Type', 'Content-Encoding', 'ETag', 'Cache-Control', 'Vary', 'Last-Modified']) {
        expect(head.headers.get(name), name).toBe(got.headers.get(name));
      }
      expect(head.headers.get('Content-Length')).toBe(String(body.byteLength));
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    }
  });
});

describe('Range', () => {
  it('serves one range of the identity bytes as 206', async () => {
    const response = await get(script.path, { Range: 'bytes=100-199' });
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe(`bytes 100-199/${identityBytes.byteLength}`);
    expect(response.headers.get('Content-Encoding')).toBeNull();
    expect(await bytesOf(response)).toEqual(identityBytes.slice(100, 200));
  });

  it('serves a suffix range', async () => {
    const response = await get(script.path, { Range: 'bytes=-10', 'Accept-Encoding': 'identity' });
    expect(response.status).toBe(206);
    expect(await bytesOf(response)).toEqual(identityBytes.slice(-10));
  });

  it('answers 416 with Content-Range when the range starts past the end', async () => {
    const response = await get(script.path, { Range: `bytes=${identityBytes.byteLength}-` });
    expect(response.status).toBe(416);
    expect(response.headers.get('Content-Range')).toBe(`bytes */${identityBytes.byteLength}`);
    expect(await response.json()).toMatchObject({ error: { code: 'range_not_satisfiable' } });
  });

  it('ignores Range on an encoded answer and on a stale If-Range', async () => {
    const encoded = await get(script.path, { Range: 'bytes=0-9', 'Accept-Encoding': 'br' });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('Content-Encoding')).toBe('br');
    await encoded.arrayBuffer();
    const stale = await get(script.path, { Range: 'bytes=0-9', 'If-Range': '"old"' });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).byteLength).toBe(identityBytes.byteLength);
    const fresh = await get(script.path, { Range: 'bytes=0-9', 'If-Range': variant(script.entry, 'identity').etag });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
  });
});

describe('SPA fallback', () => {
  it.each([
    ['/article/1', { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' }],
    ['/about', { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }],
    ['/old-about/', { 'Sec-Fetch-Mode': 'navigate' }],
  ])('%s as a navigation gets index.html with 200', async (path, headers) => {
    const response = await get(path, { ...headers, 'Accept-Encoding': 'br' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
    expect(response.headers.get('ETag')).toBe(variant(index, 'br').etag);
    expect(new TextDecoder().decode(decode('br', await bytesOf(response)))).toContain('id="app"');
  });

  it.each([
    ['/assets/app.3f9a.js', { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' }],
    ['/assets/app.3f9a.js', { Accept: '*/*', 'Sec-Fetch-Dest': 'script' }],
    ['/assets/missing.css', { 'Sec-Fetch-Dest': 'style', Accept: 'text/css,*/*;q=0.1' }],
    ['/logo.png', { 'Sec-Fetch-Dest': 'image', Accept: 'image/avif,image/webp,*/*' }],
    ['/article/1', { 'Sec-Fetch-Dest': 'script', Accept: 'text/html' }],
    ['/article/1', { Accept: '*/*' }],
    ['/api/feed/home', { Accept: 'application/json' }],
  ])('%s %j gets a real 404, never HTML', async (path, headers) => {
    const response = await get(path, headers);
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ error: { code: 'not_found', field: 'path' } });
  });
});

describe('security headers', () => {
  it('HTML carries the configured CSP with the feed origin in connect-src, nosniff and Referrer-Policy', async () => {
    const response = await get('/');
    const csp = response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/connect-src 'self'( \S+)* http:\/\/localhost:8791/);
    expect(manifest.connectSrc).toEqual(['http://localhost:8791', 'http://localhost:8793']);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Referrer-Policy')).toBe(env.REFERRER_POLICY);
    expect(response.headers.get('Strict-Transport-Security')).toBeNull(); // empty locally
    await response.arrayBuffer();
  });

  it('non-HTML files get nosniff but no page policy', async () => {
    const response = await get(script.path);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Content-Security-Policy')).toBeNull();
    await response.arrayBuffer();
  });
});

describe('bad input gets 4xx JSON, never a 5xx and never a file outside the build', () => {
  it.each([
    ['/assets/%2e%2e%2f%2e%2e%2fwrangler.toml', 400, 'invalid_path'],
    ['/..%2fpackage.json', 400, 'invalid_path'],
    ['/..%5c..%5cwrangler.toml', 400, 'invalid_path'],
    ['/index.html%00.js', 400, 'invalid_path'],
    ['/%E0%A4%A', 400, 'invalid_path'],
    ['/%zz', 400, 'invalid_path'],
    [`/${'a'.repeat(5000)}`, 414, 'uri_too_long'],
    ['/../../wrangler.toml', 404, 'not_found'], // the URL parser resolves the dots: a plain miss
    ['/%2e%2e/%2e%2e/package.json', 404, 'not_found'],
    ['/.assets-manifest.json', 404, 'not_found'], // the worker's own table of contents is not served
    ['/index.html.br', 404, 'not_found'], // variants are reached through negotiation only
  ])('%s -> %d', async (path, status, code) => {
    const response = await get(path, { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'])('%s -> 405 with Allow', async (method) => {
    const response = await get('/', {}, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  // Each header is read where the answer depends on it: Accept only on a path no file has.
  it.each([
    ['Accept-Encoding', '/'],
    ['If-None-Match', '/'],
    ['Range', '/'],
    ['Accept', '/article/1'],
    ['Available-Dictionary', '/'],
  ])('an absurd %s -> 431', async (name, path) => {
    const response = await get(path, { [name]: `${'x,'.repeat(5000)}gzip` });
    expect(response.status).toBe(431);
    expect(await response.json()).toMatchObject({ error: { code: 'header_too_large', field: name.toLowerCase() } });
  });

  it('a pile of hostile requests: never 5xx, never a byte outside build/assets', async () => {
    const hostile = [
      '/%2e%2e',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/%c0%ae%c0%ae/',
      '/a%2fb',
      '/\u2025/',
      '/%ff',
      '//etc/passwd',
      '/assets/',
      '/assets',
      '/.git/config',
      '/node_modules/.bin/node',
      `/${'%2e'.repeat(300)}`,
      '/;/',
      '/?../../x',
    ];
    for (const path of hostile) {
      for (const headers of [
        {},
        { 'Sec-Fetch-Mode': 'navigate' },
        { 'Accept-Encoding': 'br;q=2;q=0, *;q=-1' },
        { Range: 'bytes=-0,0-' },
      ] as Record<string, string>[]) {
        const response = await get(path, headers);
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBeLessThan(500);
        const text = await response.text();
        expect(text).not.toContain('[env.');
        expect(text).not.toContain('"devDependencies"');
      }
    }
  });
});
