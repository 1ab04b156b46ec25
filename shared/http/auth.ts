/**
 * Bearer tokens at the boundary: Hono's `bearerAuth`, with `verifyToken` over a constant-time
 * compare and our error shape. Tokens are secrets, comma-separated so a rotation can list the new
 * and the old one; an empty list lets nobody in.
 *
 * Answers follow RFC 6750 §3 and §3.1:
 * - no `Authorization` header, or another scheme (`Basic ...`): the request "lacks any authentication
 *   information", so 401 with a bare `WWW-Authenticate: Bearer` challenge and no error code. Hono
 *   answers 400 to another scheme; that is the one answer changed here.
 * - `Bearer` with a token that is not a token (`Bearer`, `Bearer a b`): a malformed request, 400
 *   `invalid_request`, as Hono answers it.
 * - a well-formed token that is not one of ours: 401 `invalid_token`.
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HttpError } from './errors.ts';

const encoder = new TextEncoder();

async function sha256(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(value));
}

/**
 * True when `candidate` equals one of `tokens`. Both sides are hashed first, so the comparison takes
 * the same time whatever the lengths, and every token is compared (no early exit on a match).
 */
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

const challenge = (error?: 'invalid_request' | 'invalid_token') => ({
  'WWW-Authenticate': error === undefined ? 'Bearer' : `Bearer error="${error}"`,
});

/** 401 for a request without bearer credentials (none, or another scheme). */
export function missingToken(): HttpError {
  return new HttpError(401, 'unauthorized', 'send Authorization: Bearer <token>', { field: 'Authorization', headers: challenge() });
}

/** 401 for a well-formed token that is not accepted. */
export function invalidToken(): HttpError {
  return new HttpError(401, 'unauthorized', 'the bearer token is not valid', {
    field: 'Authorization',
    headers: challenge('invalid_token'),
  });
}

/** 400 for `Authorization: Bearer` followed by something that is not a token. */
export function malformedToken(): HttpError {
  return new HttpError(400, 'invalid_request', 'the Authorization header must be "Bearer <token>" with one token', {
    field: 'Authorization',
    headers: challenge('invalid_request'),
  });
}

/**
 * `app.use(path, requireBearer((c) => tokens))`: lets a request through only with one of the
 * tokens `tokensOf` names for it (read per request, so a per-isolate config can hold them).
 */
export function requireBearer<E extends Env>(tokensOf: (c: Context<E>) => readonly string[]): MiddlewareHandler<E> {
  const check = bearerAuth<E>({
    verifyToken: (token, c) => tokenMatches(token, tokensOf(c)),
    // Each option's message function throws our error; Hono's own answer is never built.
    noAuthenticationHeader: { message: () => thrown(missingToken()) },
    invalidAuthenticationHeader: {
      message: (c) => thrown(/^bearer(?: |$)/i.test(c.req.header('Authorization') ?? '') ? malformedToken() : missingToken()),
    },
    invalidToken: { message: () => thrown(invalidToken()) },
  });
  return function requireBearer(c, next) {
    return check(c, next);
  };
}

function thrown(error: HttpError): never {
  throw error;
}
