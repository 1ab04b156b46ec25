/**
 * Byte ranges (RFC 9110 §14, https://www.rfc-editor.org/rfc/rfc9110#name-range-requests).
 * One range is served as 206; a range that starts past the end is 416. Everything a server may
 * ignore is ignored (answered 200 with the whole file): other units, syntax errors, and
 * multi-range requests (multipart/byteranges buys nothing for an SPA's files).
 */
import { matchesAny, parseHttpDate } from './conditional.ts';

export type RangeOutcome = { start: number; end: number } | 'unsatisfiable' | null;

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/** The inclusive byte range to send for a file of `size` bytes, 'unsatisfiable', or null (send all). */
export function parseRange(header: string, size: number): RangeOutcome {
  const match = SINGLE_RANGE.exec(header);
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // suffix-range: the last N bytes (§14.1.1); zero of them cannot be satisfied
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // invalid range-spec: ignore the header (§14.1.1)
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * RFC 9110 §13.1.5: a Range with If-Range is honoured only if the validator still matches:
 * a strong entity tag by strong comparison, or a date equal to Last-Modified.
 */
export function ifRangeAllows(ifRange: string | null, etag: string, lastModified: string): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return matchesAny(value, etag, 'strong');
  const date = parseHttpDate(value);
  return date !== null && date === Date.parse(lastModified);
}
