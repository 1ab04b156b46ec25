// Deltas between builds: a file of this build compressed with the same entry of an earlier build
// as the dictionary (Compression Dictionary Transport, RFC 9842).
// A browser that kept the earlier file says so in
// `Available-Dictionary` (the SHA-256 of that file) and gets this one as a few hundred bytes.
//
// `dcz` ("Dictionary-Compressed Zstandard"): an 8-byte magic (a zstd skippable frame header), the
// 32-byte SHA-256 of the dictionary, then a zstd frame compressed with the dictionary as raw content
// (node:zlib's zstd `dictionary`). Clients decode windows up to 8 MB (or 1.25 times the dictionary),
// so files and dictionaries over 8 MB get no delta.
//
// `dcb` ("Dictionary-Compressed Brotli") is not made: Node 22's zlib has no Brotli with a custom
// dictionary (its `dictionary` option is ignored for Brotli: the output is byte-identical without
// it), Debian 12's `brotli` CLI (1.0.9) predates `--dictionary` (1.1.0), and the npm registry holds
// no Brotli encoder with shared dictionaries. The worker serves any delta the manifest lists, so
// adding `dcb` is a build-side change only (an entry in DELTA_CODECS).
import { createHash } from 'node:crypto';
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

/** The `dcz` stream header: a zstd skippable frame (magic 0x184D2A5E, 32 bytes of content). */
export const DCZ_MAGIC = Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00]);
/** Files (and dictionaries) above this size get no delta: the smallest window clients must decode. */
export const MAX_DELTA_INPUT = 8 * 1024 * 1024;

/** SHA-256 of a dictionary's bytes, as `Available-Dictionary` carries it (base64, RFC 8941 §3.3.5). @param {Buffer} bytes */
export function dictionaryHash(bytes) {
  return createHash('sha256').update(bytes).digest('base64');
}

/**
 * Delta codecs by content coding: `suffix` of the stored file, `encode(bytes, dictionary)`.
 * @type {Record<string, { suffix: string, encode(bytes: Buffer, dictionary: Buffer): Buffer }>}
 */
export const DELTA_CODECS = {
  dcz: {
    suffix: '.dcz',
    encode(bytes, dictionary) {
      const frame = zstdCompressSync(bytes, {
        dictionary,
        params: { [constants.ZSTD_c_compressionLevel]: 19 },
      });
      return Buffer.concat([DCZ_MAGIC, createHash('sha256').update(dictionary).digest(), frame]);
    },
  },
};

/**
 * Decodes a `dcz` body with `dictionary`; throws when the header is not a dcz header for exactly
 * this dictionary. What a client does; used by the tests and the bench.
 * @param {Uint8Array} body
 * @param {Uint8Array} dictionary
 */
export function decodeDcz(body, dictionary) {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length < 40 || !bytes.subarray(0, 8).equals(DCZ_MAGIC)) throw new Error('not a dcz stream (magic)');
  const expected = createHash('sha256').update(dictionary).digest();
  if (!bytes.subarray(8, 40).equals(expected)) throw new Error('dcz stream made with another dictionary');
  return zstdDecompressSync(bytes.subarray(40), { dictionary: Buffer.from(dictionary) });
}
