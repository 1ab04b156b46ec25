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
 * True when the file name of `path` (a URL path, e.g. `/static/js/main.3f9a2b1c.js`) holds a content
 * hash. Candidates are the parts between the first and the last dot (`main.[hash].chunk.js`), the
 * part after the last `-` of each of them, and their last 8 characters when a `-` precedes them
 * (Rollup hashes may themselves contain `-`: `index-C-3q1bV5.js`).
 * @param {string} path
 */
export function isHashedPath(path) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const parts = name.split('.');
  if (parts.length < 2) return false;
  const stems = parts.slice(0, -1);
  /** @type {Set<string>} */
  const candidates = new Set();
  for (const [i, part] of stems.entries()) {
    if (i > 0) candidates.add(part);
    const dash = part.lastIndexOf('-');
    if (dash > 0) candidates.add(part.slice(dash + 1));
    if (part.length > 9 && part[part.length - 9] === '-') candidates.add(part.slice(-8));
  }
  return [...candidates].some(isHashToken);
}
