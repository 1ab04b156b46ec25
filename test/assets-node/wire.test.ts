/**
 * What goes over the wire, read with node:http (which never decodes bodies): each precompressed
 * variant decodes with node:zlib to the built file byte for byte, HEAD carries Content-Length, and
 * a validator round-trip gives 304. One coding per request: Miniflare's outer entry worker (like
 * `wrangler dev`) re-encodes an answer when the client lists several codings in another order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_DIR, raw as rawAt, startAssetsWorker } from './harness.ts';

interface Variant {
  encoding: string;
  path: string;
  size: number;
  etag: string;
}
interface Manifest {
  files: Record<string, { variants: Variant[] }>;
}

const manifest = JSON.parse(readFileSync(join(BUILD_DIR, '.assets-manifest.json'), 'utf8')) as Manifest;
let worker: Awaited<ReturnType<typeof startAssetsWorker>>;

beforeAll(async () => {
  worker = await startAssetsWorker();
});
afterAll(async () => {
  await worker?.close();
});

const raw = (path: string, headers: Record<string, string>, method = 'GET') => rawAt(`${worker.origin}${path}`, headers, method);

const DECODE: Record<string, (b: Buffer) => Buffer> = {
  br: (b) => brotliDecompressSync(b),
  zstd: (b) => zstdDecompressSync(b),
  gzip: (b) => gunzipSync(b),
  identity: (b) => b,
};

describe('on the wire', () => {
  const cases = Object.entries(manifest.files).flatMap(([path, entry]) => entry.variants.map((v) => [path, v] as const));

  it.each(cases)('%s as %j decodes to the built file', async (path, variant) => {
    const response = await raw(path, { 'Accept-Encoding': variant.encoding });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe(variant.encoding === 'identity' ? undefined : variant.encoding);
    expect(response.headers.etag).toBe(variant.etag);
    expect(response.body.length).toBe(variant.size);
    const original = readFileSync(join(BUILD_DIR, path));
    expect(DECODE[variant.encoding]!(response.body).equals(original)).toBe(true);
  });

  it('a client that sends no Accept-Encoding (curl) gets the identity bytes', async () => {
    const [path, entry] = Object.entries(manifest.files).find(([p]) => p.endsWith('.js'))!;
    const response = await raw(path, {});
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.length).toBe(entry.variants.find((v) => v.encoding === 'identity')!.size);
  });

  it('HEAD carries the Content-Length of the GET body and no body', async () => {
    const [path, entry] = Object.entries(manifest.files).find(([p]) => p.endsWith('.js'))!;
    const br = entry.variants.find((v) => v.encoding === 'br')!;
    const head = await raw(path, { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(br.size));
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.body.length).toBe(0);
  });

  it('revalidation with the ETag gives 304 with no body', async () => {
    const first = await raw('/', { 'Accept-Encoding': 'br' });
    const again = await raw('/', { 'Accept-Encoding': 'br', 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
  });
});
