/**
 * From a request's URL path to the file path it names, refusing anything that could reach outside
 * the build or that no file name could be. The URL parser has already resolved `.`/`..` segments
 * (also their `%2e` spellings); what is left to catch only shows after percent-decoding.
 */
import { HttpError } from '../../../shared/http/errors.ts';

/** Longer than any file name the build produces by far; real browsers cap URLs near 2-8 KB. */
export const MAX_PATH_LENGTH = 1024;

/** C0 controls and DEL: never part of a file name we serve (NUL truncates paths in some stores). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const CONTROL_CHARACTER = 'the path contains a control character (such as an encoded NUL)';
const SLASH_OR_BACKSLASH = 'the path contains an encoded slash or backslash';
const DOT_SEGMENT_FOUND = 'the path contains a dot segment';

/** A `.` or `..` segment of a path that needs no decoding. */
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/**
 * The path of `request.url`, which the runtime hands over serialized (`scheme://authority/path?query`,
 * dot segments resolved, controls percent-encoded): the part from the first `/` after the authority
 * to the query, read without building a URL object.
 */
export function pathOfRequestUrl(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  let end = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  if (end === -1 || (hash !== -1 && hash < end)) end = hash;
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/** The decoded path (`/assets/app.3f9a1c2b.js`), or an HttpError (400 or 414) saying what is wrong. */
export function decodeRequestPath(pathname: string): string {
  if (pathname.length > MAX_PATH_LENGTH) {
    throw new HttpError(414, 'uri_too_long', `the path is longer than ${MAX_PATH_LENGTH} characters`, { field: 'path' });
  }
  if (!pathname.startsWith('/')) throw invalidPath('the path must start with /');
  // Nothing percent-encoded (every hashed file name): the checks below on the whole string, with no
  // segment to decode.
  if (!pathname.includes('%')) {
    if (hasControlCharacter(pathname)) throw invalidPath(CONTROL_CHARACTER);
    if (pathname.includes('\\')) throw invalidPath(SLASH_OR_BACKSLASH);
    if (DOT_SEGMENT.test(pathname)) throw invalidPath(DOT_SEGMENT_FOUND);
    return pathname;
  }
  const segments = pathname.slice(1).split('/');
  const decoded: string[] = [];
  for (const segment of segments) {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      throw invalidPath('the path has malformed percent-encoding');
    }
    if (hasControlCharacter(value)) throw invalidPath(CONTROL_CHARACTER);
    if (value.includes('/') || value.includes('\\')) throw invalidPath(SLASH_OR_BACKSLASH);
    if (value === '.' || value === '..') throw invalidPath(DOT_SEGMENT_FOUND);
    decoded.push(value);
  }
  return `/${decoded.join('/')}`;
}

/** True when the last segment names a file type (`app.js`, `logo.svg`), never for `/article/12`. */
export function hasFileExtension(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return /\.[A-Za-z0-9]+$/.test(last);
}

function invalidPath(message: string): HttpError {
  return new HttpError(400, 'invalid_path', message, { field: 'path' });
}
