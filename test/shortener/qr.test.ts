// QR codes of short links, decoded back with an independent reader (jsQR) from the PNG pixels.
import { decode } from 'fast-png';
import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { api, type ErrorJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = ''] = tokens(56, 1);

/** The text a QR code in a PNG holds, read the way a phone camera would, from its pixels. */
function readQr(png: ArrayBuffer): string | null {
  const image = decode(new Uint8Array(png));
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    const v = image.data[i * image.channels] as number;
    rgba.set([v, v, v, 255], i * 4);
  }
  return jsQR(rgba, image.width, image.height)?.data ?? null;
}

describe('GET /api/links/<code>/qr', () => {
  it('draws a PNG that decodes to the short URL, tagged so scans count apart', async () => {
    const link = await (
      await api(A, 'POST', '/api/links', { url: 'https://example.com/poster' })
    ).json<{ code: string; shortUrl: string }>();
    const res = await api(A, 'GET', `/api/links/${link.code}/qr?format=png&size=300`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/png');
    const png = await res.arrayBuffer();
    expect(readQr(png)).toBe(`${link.shortUrl}?utm_source=qr`);
    const image = decode(new Uint8Array(png));
    expect(image.width).toBeLessThanOrEqual(300);
    expect(image.width).toBeGreaterThan(200);
    const untagged = await api(A, 'GET', `/api/links/${link.code}/qr?tag=none`);
    expect(readQr(await untagged.arrayBuffer())).toBe(link.shortUrl);
  });

  it('draws an SVG on a white ground at the size asked', async () => {
    const link = await (await api(A, 'POST', '/api/links', { url: 'https://example.com/svg' })).json<{ code: string }>();
    const res = await api(A, 'GET', `/api/links/${link.code}/qr?format=svg&size=256`);
    expect(res.headers.get('Content-Type')).toBe('image/svg+xml');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg width="256" height="256" /);
    expect(svg).toContain('<rect width="100%" height="100%" fill="#fff"/>');
  });

  it.each([
    ['format=gif', 'format'],
    ['size=10', 'size'],
    ['size=big', 'size'],
    ['tag=mail', 'tag'],
  ])('refuses %s naming %s', async (query, field) => {
    const res = await api(A, 'GET', `/api/links/anything/qr?${query}`);
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.field).toBe(field);
  });

  it('answers 404 for an unknown code and 410 for a deleted one', async () => {
    expect((await api(A, 'GET', '/api/links/no-such-code/qr')).status).toBe(404);
    const link = await (await api(A, 'POST', '/api/links', { url: 'https://example.com/deleted-qr' })).json<{ code: string }>();
    await api(A, 'DELETE', `/api/links/${link.code}`);
    expect((await api(A, 'GET', `/api/links/${link.code}/qr`)).status).toBe(410);
  });
});
