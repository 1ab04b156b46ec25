/** KV key layout of the `LINKS` namespace, shared by the shortener (writer) and the redirector (reader). */
export const LINK_PREFIX = 'link:';

export function linkKey(code: string): string {
  return `${LINK_PREFIX}${code}`;
}

export function codeFromKey(key: string): string {
  return key.slice(LINK_PREFIX.length);
}
