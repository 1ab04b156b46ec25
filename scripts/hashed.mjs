// Whether a built file's name carries a content hash, so that the `assets` worker may serve it as
// immutable (a year, never revalidated). A pure function of the path: the build manifest records its
// answer per file, and the worker reads only the manifest.
//
// Bundlers name hashed files in a few ways, in any folder:
//   Vite / Rollup   name-[hash].js     8 characters of base64url   index-BmQ3x_9k.js, index-C-3q1bV5.css
//                   name.[hash].js     (the demo's own Vite config) app.3f9aC2bq.js
//   esbuild         name-[hash].js     8 characters of base32       chunk-5X7YVNZI.js, main-ZBTX6YC2.js
//   webpack         name.[contenthash].js, name.[contenthash:8].chunk.js (hex)  main.3f9a2b1c.js
//   Parcel, Next.js name.[hash].js, name-[hash].js (hex, 8 to 20)   _app-0a1b2c3d4e5f6a7b.js
//
// A wrong "yes" pins a file that may change under the same name in browsers for a year; a wrong "no"
// costs a revalidation. So a token counts as a hash only when it looks random: hex with both a digit
// and a letter; or 8 base64url characters that are not a word (they hold a digit, `_` or `-`, or mix
// cases without reading as CamelCase words like `SemiBold`); or esbuild's 8 upper-case base32.
//
// The same rule says where the hash sits, so a file's name with its hash removed (`entryKey`) is
// the name that stays the same from one build to the next: how the build pairs a changed chunk with
// its previous version for a delta (scripts/delta.mjs).

/** Hex content hashes (webpack, Parcel, Next.js): 8 to 64 hex digits. */
const HEX = /^[0-9a-f]{8,64}$/;
/** Rollup's base64url hash, exactly 8 characters. */
const BASE64URL_8 = /^[A-Za-z0-9_-]{8}$/;
/** esbuild's base32 hash, exactly 8 characters. */
const BASE32_8 = /^[A-Z2-7]{8}$/;
/** Words as people write them in file names: `validate`, `Regular`, `SemiBold`, `ExtraBold`. */
const WORDS = /^(?:[a-z]+|[A-Z]?[a-z]{2,}(?:[A-Z][a-z]{2,})*)$/;

/** True when `token` looks like a content hash of one of the bundlers above. @param {string} token */
export function isHashToken(token) {
  if (HEX.test(token)) return /[0-9]/.test(token) && /[a-f]/.test(token);
  if (BASE32_8.test(token)) return true;
  if (!BASE64URL_8.test(token)) return false;
  if (/[0-9_-]/.test(token)) return true;
  return !WORDS.test(token);
}

/**
 * Where the content hash sits in `path` (a URL path, e.g. `/static/js/main.3f9a2b1c.js`): the
 * `[start, end)` offsets of the hash, or null when the name carries none. Candidates are the parts
 * between the first and the last dot (`main.[hash].chunk.js`), the part after the last `-` of each
 * of them, and their last 8 characters when a `-` precedes them (Rollup hashes may themselves contain
 * `-`: `index-C-3q1bV5.js`); the first that looks like a hash is the one.
 * @param {string} path
 * @returns {[number, number] | null}
 */
export function hashSpan(path) {
  const nameStart = path.lastIndexOf('/') + 1;
  const parts = path.slice(nameStart).split('.');
  if (parts.length < 2) return null;
  let offset = nameStart;
  for (const [i, part] of parts.slice(0, -1).entries()) {
    /** @type {Array<[number, number]>} */
    const spans = [];
    if (i > 0) spans.push([0, part.length]);
    const dash = part.lastIndexOf('-');
    if (dash > 0) spans.push([dash + 1, part.length]);
    if (part.length > 9 && part[part.length - 9] === '-') spans.push([part.length - 8, part.length]);
    for (const [start, end] of spans) if (isHashToken(part.slice(start, end))) return [offset + start, offset + end];
    offset += part.length + 1;
  }
  return null;
}

/** True when the file name of `path` holds a content hash. @param {string} path */
export function isHashedPath(path) {
  return hashSpan(path) !== null;
}

/**
 * The name a file keeps across builds: its path with the content hash replaced by `*`
 * (`/assets/article.Dxcc1Pfu.js` -> `/assets/article.*.js`), or null for a name without a hash.
 * Files of two builds with the same key are versions of the same entry: the build sends the new
 * one as a delta against the old (Compression Dictionary Transport), and the key, as a URL pattern,
 * is the `match` of the file's `Use-As-Dictionary`. A renamed chunk has a new key (no predecessor,
 * served whole once); a chunk split in two gives two new keys.
 * @param {string} path
 */
export function entryKey(path) {
  const span = hashSpan(path);
  return span ? `${path.slice(0, span[0])}*${path.slice(span[1])}` : null;
}
