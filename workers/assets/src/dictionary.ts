/**
 * Compression Dictionary Transport (RFC 9842): a
 * hashed script or style names the URL pattern of its later versions in `Use-As-Dictionary`; a
 * browser that kept it sends its SHA-256 in `Available-Dictionary` when it requests a later version,
 * and gets that version as a delta (`dcz`) made by the build against exactly those bytes.
 */
import type { StoredDelta } from './manifest.ts';

/**
 * `Use-As-Dictionary` (RFC 9842 §2.1): a structured-field dictionary whose `match` is a String
 * (RFC 8941 §3.3.3: `\` and `"` escaped). No `match-dest`: the delta is right for any destination
 * (a module script, a preload, a fetch), and Chromium matches only listed destinations.
 */
export function useAsDictionary(match: string): string {
  return `match="${match.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A structured-field Byte Sequence (RFC 8941 §3.3.5): `:` base64 `:`. */
const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):$/;

/**
 * The dictionary hash an `Available-Dictionary` header names (RFC 9842 §2.2), as canonical base64 of
 * its 32 bytes, or null when the header is absent or is not one SHA-256 byte sequence (then the
 * request is served as if it offered none).
 */
export function parseAvailableDictionary(header: string | null): string | null {
  if (header === null) return null;
  const match = BYTE_SEQUENCE.exec(header.trim());
  if (!match?.[1]) return null;
  let bytes: string;
  try {
    bytes = atob(match[1]);
  } catch {
    return null;
  }
  return bytes.length === 32 ? btoa(bytes) : null;
}

/**
 * The deltas a request may get: made with the dictionary it has, in a coding its Accept-Encoding
 * names with a weight above 0. A `*` does not count: a client announces `dcz` / `dcb` by name when
 * it holds a dictionary (RFC 9842, "Negotiating the Content Encoding"), and one that does not know them must never get them.
 * `weights`: the request's Accept-Encoding as `parseAcceptEncoding` reads it, null when it sent none.
 */
export function usableDeltas(
  deltas: readonly StoredDelta[],
  dictionary: string,
  weights: ReadonlyMap<string, number> | null,
): StoredDelta[] {
  if (weights === null) return [];
  return deltas.filter((delta) => delta.dictionary === dictionary && (weights.get(delta.encoding) ?? 0) > 0);
}
