/**
 * Auth and rate limiting for `/api/*`. Tokens come from the `API_TOKENS` secret (comma-separated)
 * and are compared in constant time (shared/http/auth.ts); the rate limiter is keyed by a hash of the
 * token, so the token itself never leaves the worker.
 */
import type { MiddlewareHandler } from 'hono';
import { bearerToken, parseTokenList, tokenMatches } from '../../../shared/http/auth.ts';
import { HttpError, tooManyRequests } from '../../../shared/http/errors.ts';

export type ShortenerContext = { Bindings: ShortenerEnv; Variables: { tokenId: string } };

/** The period of `[[env.shortener.ratelimits]]` in wrangler.toml: the longest a client must wait. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

export function requireToken(): MiddlewareHandler<ShortenerContext> {
  return async function requireToken(c, next) {
    const token = bearerToken(c.req.raw);
    if (token === null) throw unauthorized('send Authorization: Bearer <token>');
    if (!(await tokenMatches(token, parseTokenList(c.env.API_TOKENS)))) throw unauthorized('the bearer token is not valid');
    c.set('tokenId', await tokenId(token));
    await next();
  };
}

export function rateLimitPerToken(): MiddlewareHandler<ShortenerContext> {
  return async function rateLimitPerToken(c, next) {
    const { success } = await c.env.WRITE_LIMITER.limit({ key: c.get('tokenId') });
    if (!success) throw tooManyRequests(RATE_LIMIT_PERIOD_SECONDS);
    await next();
  };
}

/** 401 naming the header at fault; `WWW-Authenticate` per RFC 6750 §3. */
function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, { field: 'Authorization', headers: { 'WWW-Authenticate': 'Bearer' } });
}

/** A stable, non-secret name for a token: the first 16 hex digits of its SHA-256. */
export async function tokenId(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
