/**
 * The hash a data dependency is recorded with when its server sends no validator: the renderer
 * hashes the body it saw, the edge hashes the body it re-fetches, and equal hashes mean unchanged.
 */
export async function bodyHash(body: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
