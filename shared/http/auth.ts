/**
 * Constant-time token checks for workers that do not use Hono's `bearerAuth` (which does the same).
 * Both sides are hashed first so the comparison takes the same time whatever the lengths.
 */
const encoder = new TextEncoder();

async function sha256(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(value));
}

/** True when `candidate` equals one of `tokens`, compared in constant time per token. */
export async function tokenMatches(candidate: string, tokens: readonly string[]): Promise<boolean> {
  const candidateHash = await sha256(candidate);
  let matched = false;
  for (const token of tokens) {
    if (token.length === 0) continue;
    // crypto.subtle.timingSafeEqual is a workerd extension to Web Crypto.
    if (crypto.subtle.timingSafeEqual(candidateHash, await sha256(token))) matched = true;
  }
  return matched;
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or null. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('Authorization');
  const match = header?.match(/^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i);
  return match?.[1] ?? null;
}

/** Tokens from a comma-separated secret, e.g. `API_TOKENS="dev-token,other"`. */
export function parseTokenList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}
