/**
 * QR codes of short URLs: the symbol from `qr` (paulmillr/qr, ISO/IEC 18004 with its own tests),
 * drawn as SVG by that library or as a PNG by `fast-png`. A 4-module quiet zone (the standard's
 * minimum) and error correction level M (15% of the symbol may be damaged or covered).
 */
import { encode as encodePng } from 'fast-png';
import encodeQR, { type QrOpts } from 'qr';

export const QR_FORMATS = ['svg', 'png'] as const;
export type QrFormat = (typeof QR_FORMATS)[number];
export const QR_SIZE_MIN = 64;
export const QR_SIZE_MAX = 2048;
export const QR_SIZE_DEFAULT = 512;

const OPTIONS: QrOpts = { ecc: 'medium', border: 4 };

/** The QR code of `text` as an image about `size` pixels wide (PNG: whole pixels per module). */
export function qrImage(text: string, format: QrFormat, size: number): { body: string | Uint8Array; type: string } {
  if (format === 'svg') {
    const svg = encodeQR(text, 'svg', { ...OPTIONS, optimize: true });
    // A white ground: a transparent code on a dark page cannot be scanned.
    const body = svg
      .replace(/^<svg /, `<svg width="${size}" height="${size}" shape-rendering="crispEdges" `)
      .replace(/(<svg[^>]*>)/, '$1<rect width="100%" height="100%" fill="#fff"/>');
    return { body, type: 'image/svg+xml' };
  }
  return { body: qrPng(encodeQR(text, 'raw', OPTIONS), size), type: 'image/png' };
}

/** An 8-bit grayscale PNG of a module matrix (true = dark), each module `scale` pixels square. */
function qrPng(modules: boolean[][], size: number): Uint8Array {
  const count = modules.length;
  const scale = Math.max(1, Math.floor(size / count));
  const width = count * scale;
  const data = new Uint8Array(width * width).fill(255);
  for (let y = 0; y < count; y++) {
    const row = modules[y] as boolean[];
    for (let x = 0; x < count; x++) {
      if (!row[x]) continue;
      for (let dy = 0; dy < scale; dy++) data.fill(0, (y * scale + dy) * width + x * scale, (y * scale + dy) * width + (x + 1) * scale);
    }
  }
  return encodePng({ width, height: width, data, channels: 1, depth: 8 });
}
