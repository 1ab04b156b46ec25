/**
 * What the redirector does with a destination at click time, apart from the destination rules of
 * url.ts (and the IP ranges they load), so the redirector's bundle carries only this.
 */

/**
 * The destination with the short URL's query string appended after its own parameters. Done on the
 * string, not through URLSearchParams, so the destination's own encoding stays byte for byte.
 */
export function withQuery(destination: string, search: string): string {
  if (search === '' || search === '?') return destination;
  const hashAt = destination.indexOf('#');
  const base = hashAt === -1 ? destination : destination.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : destination.slice(hashAt);
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${joiner}${search.replace(/^\?/, '')}${hash}`;
}
