/**
 * Codes: random ones from an alphabet without look-alikes, custom slugs from a documented charset.
 *
 * Random codes are 8 characters over 56 symbols: 56^8 ≈ 9.67e13 codes. With 100 million links
 * stored, a fresh code collides with probability 1e8 / 9.67e13 ≈ 1.0e-6; the authority refuses the
 * collision and a new code is drawn (five draws all colliding: ≈ 1e-30). See the shortener README.
 */

/** Digits and letters without 0/O/o, 1/l/I: the pairs people misread when they copy a link. */
export const CODE_ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;

/** Custom slugs: letters, digits, `-` and `_`, starting with a letter or digit, 3 to 64 long. */
export const SLUG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
export const SLUG_MIN = 3;
export const SLUG_MAX = 64;

/** Anything a code can be: what the redirector accepts before it looks anything up. */
export const CODE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Paths the short domain needs for itself or that people expect to mean something else. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'api',
  'admin',
  'health',
  'healthz',
  'status',
  'login',
  'logout',
  'signin',
  'signup',
  'register',
  'account',
  'settings',
  'dashboard',
  'app',
  'static',
  'assets',
  'public',
  'www',
  'help',
  'support',
  'about',
  'terms',
  'privacy',
  'security',
  'abuse',
  'robots',
  'favicon',
  'sitemap',
  'well-known',
  'links',
  'link',
  'new',
  'edit',
  'delete',
  'stats',
  'metrics',
  'docs',
  'null',
  'undefined',
]);

/** A uniformly random code from `CODE_ALPHABET`, by rejection sampling over crypto random bytes. */
export function randomCode(length = CODE_LENGTH): string {
  const n = CODE_ALPHABET.length;
  const limit = 256 - (256 % n); // bytes at or above this would bias the first symbols
  let code = '';
  while (code.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && code.length < length) code += CODE_ALPHABET[byte % n];
    }
  }
  return code;
}

/** Why `slug` cannot be a custom code, or null when it can. */
export function slugProblem(slug: string): string | null {
  if (slug.length < SLUG_MIN || slug.length > SLUG_MAX) return `must be ${SLUG_MIN} to ${SLUG_MAX} characters long`;
  if (!SLUG_PATTERN.test(slug)) return 'may hold only letters, digits, "-" and "_", and must start with a letter or digit';
  if (RESERVED_SLUGS.has(slug.toLowerCase())) return `"${slug}" is reserved`;
  return null;
}
