/**
 * Auth and rate limiting for `/api/*`. Tokens come from the `API_TOKENS` secret (comma-separated)
 * and are checked by the shared bearer middleware (shared/http/auth.ts). The rate limiter is keyed
 * by a hash of the token, so the token itself never leaves the worker, and counts links: a bulk
 * create of n links spends n of the token's budget, not one.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bearerToken, requireBearer } from '../../../shared/http/auth.ts';
import { tooManyRequests } from '../../../shared/http/errors.ts';
import { shortenerConfig } from './config.ts';

/** `tokenId` keys rate limits and idempotency; `operator` is set only behind the `OperatorApi` entrypoint. */
export type ShortenerContext = { Bindings: ShortenerEnv; Variables: { tokenId: string; operator?: string } };

/** The period of `[[env.shortener.ratelimits]]` in wrangler.toml: the longest a client must wait. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

export function requireToken(): MiddlewareHandler<ShortenerContext> {
  return requireBearer<ShortenerContext>((c) => shortenerConfig(c.env).tokens);
}

/** Spends one unit of the token's budget per request (after `requireToken`, which checked the token). */
export function rateLimitPerToken(): MiddlewareHandler<ShortenerContext> {
  return async function rateLimitPerToken(c, next) {
    c.set('tokenId', await tokenId(bearerToken(c.req.raw) ?? ''));
    await spend(c, 1);
    await next();
  };
}

/**
 * Spends `units` more of the token's budget, or answers 429. The binding counts one per `limit()`
 * call and has no weight, so each unit is one call; a call refused part-way keeps what it spent.
 */
export async function spend(c: Context<ShortenerContext>, units: number): Promise<void> {
  const key = c.get('tokenId');
  for (let unit = 0; unit < units; unit++) {
    const { success } = await c.env.WRITE_LIMITER.limit({ key });
    if (!success) throw tooManyRequests(RATE_LIMIT_PERIOD_SECONDS);
  }
}

/** A stable, non-secret name for a token: the first 16 hex digits of its SHA-256. */
export async function tokenId(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
