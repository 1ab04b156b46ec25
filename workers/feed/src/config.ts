/**
 * The feed worker's configuration, read from `[env.feed.vars]` and validated with zod
 * (shared/http/validate.ts), once per isolate (state.ts), and a bad value fails loudly. The
 * first request answers 500 `config_invalid` naming every bad var (a deploy-time mistake is an
 * outage of ours, not the client's fault), and the cron logs the same error.
 */
import * as z from 'zod/mini';
import { integer, parseVars } from '../../../shared/http/validate.ts';
import type { BreakerConfig } from './breaker.ts';
import type { LimitConfig } from './limit.ts';

/** Where a user's identity comes from: signed tokens, and (a switch) a bare `?user=`. */
export interface AuthConfig {
  /** How tokens are checked; null: no tokens are accepted (every token is ignored). */
  keys: { kind: 'jwks'; url: URL; algorithms: readonly string[] } | { kind: 'secret'; secret: Uint8Array } | null;
  issuer: string;
  audience: string;
  /** The cookie that may carry the token when no `Authorization: Bearer` does. */
  cookie: string;
  /** Whether `?user=` without a token is taken as the user (a demo convenience, off in production). */
  queryUser: boolean;
  /** Bound on one fetch of the key set, body included. */
  jwksTimeoutMs: number;
}

export interface FeedConfig {
  recommenderUrl: URL;
  /** One Durable Object per upstream: the recommender's origin names it. */
  upstreamKey: string;
  tabs: readonly string[];
  allowedOrigins: readonly string[];
  breaker: BreakerConfig;
  /** Status codes from the recommender that count as failures (others outside 2xx are ignored). */
  failureStatuses: readonly (readonly [number, number])[];
  /** How often an isolate refreshes its copy of the shared breaker state. */
  syncMs: number;
  /** How long an isolate gathers outcomes before reporting them to the Durable Object. */
  flushMs: number;
  /** Aggregator objects between the isolates and the global one (0: every isolate syncs with the global one). */
  aggregators: number;
  /** How long an aggregator gathers its isolates' outcomes (failures too) before reporting them on. */
  aggregatorFlushMs: number;
  /** The KV tier is served while younger than this (RFC 5861 `stale-if-error` window). */
  cacheMaxAgeMs: number;
  /** At most one KV write per tab per isolate in this interval. */
  cacheWriteEveryMs: number;
  /** A fresh isolate's live answers first ask for a tab's write lease at a random point of this span. */
  cacheWriteFirstSpreadMs: number;
  /** How long an isolate gathers event counts before sending them to the queue. */
  eventsFlushMs: number;
  /** Calls to the recommender in flight at once per isolate (limit.ts). */
  limit: LimitConfig;
  auth: AuthConfig;
}

const TAB = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * Algorithms a key set from a JWKS URL may sign with: asymmetric only, so a token signed with HS256
 * "keyed" by a public key can never verify (RFC 8725 §2.1, §3.1: one key, one algorithm).
 */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
/** RFC 7518 §3.2: an HS256 key is at least as long as the hash, 256 bits. */
const MIN_SECRET_BYTES = 32;
/** A cookie name is an RFC 6265 token. */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** `fallback` for an unset var, so the schema below sees every var with a value. */
const orDefault = (fallback: string) => z.transform((v: unknown): unknown => (v === undefined || v === '' ? fallback : v));

const int = (fallback: number, min: number, max: number) =>
  z.pipe(orDefault(String(fallback)), z.coerce.number().check(integer(), z.gte(min), z.lte(max)));

const list = (fallback: string) =>
  z.pipe(
    z.pipe(
      z.transform((v: unknown): unknown => (v === undefined ? fallback : v)),
      z.string(),
    ),
    z.transform((s: string) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  );

const statusRanges = z.pipe(
  z
    .string()
    .check(
      z.regex(/^\s*\d{3}(-\d{3})?(\s*,\s*\d{3}(-\d{3})?)*\s*$/, 'a comma-separated list of status codes or ranges, e.g. "408,429,500-599"'),
    ),
  z.transform((s: string) =>
    s.split(',').map((part) => {
      const [lo, hi = lo] = part.trim().split('-').map(Number) as [number, number?];
      return [lo, hi] as const;
    }),
  ),
);

const schema = z
  .object({
    RECOMMENDER_URL: z.pipe(
      z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://localhost:8793' }),
      z.transform((s: string) => new URL(s)),
    ),
    FEED_TABS: z.pipe(
      list('home,trending,new'),
      z.array(z.string().check(z.regex(TAB, 'tab names are lowercase slugs'))).check(z.minLength(1)),
    ),
    ALLOWED_ORIGINS: z.pipe(list(''), z.array(z.url({ protocol: /^https?$/ }))),
    BREAKER_WINDOW_TYPE: z._default(z.enum(['count', 'time']), 'count'),
    BREAKER_WINDOW_SIZE: int(20, 1, 1000),
    BREAKER_MIN_CALLS: int(10, 1, 10_000),
    BREAKER_FAILURE_RATE: int(50, 1, 100),
    BREAKER_SLOW_CALL_MS: int(600, 1, 600_000),
    BREAKER_SLOW_CALL_RATE: int(100, 1, 100),
    BREAKER_TIMEOUT_MS: int(800, 1, 60_000),
    BREAKER_OPEN_MS: int(10_000, 1, 3_600_000),
    BREAKER_HALF_OPEN_PROBES: int(2, 1, 100),
    BREAKER_FAILURE_STATUSES: z.pipe(z._default(z.string(), '408,429,500-599'), statusRanges),
    BREAKER_HONOR_RETRY_AFTER: z._default(z.stringbool(), true),
    BREAKER_MAX_RETRY_AFTER_S: int(300, 0, 86_400),
    BREAKER_SYNC_MS: int(1000, 50, 60_000),
    BREAKER_FLUSH_MS: int(200, 0, 10_000),
    BREAKER_AGGREGATORS: int(0, 0, 10_000),
    BREAKER_AGGREGATOR_FLUSH_MS: int(250, 0, 10_000),
    CACHE_MAX_AGE_S: int(604_800, 60, 31_536_000),
    CACHE_WRITE_EVERY_S: int(60, 0, 86_400),
    CACHE_WRITE_FIRST_SPREAD_S: int(0, 0, 86_400),
    EVENTS_FLUSH_MS: int(1000, 0, 60_000),
    RECOMMENDER_MAX_CONCURRENCY: int(32, 1, 10_000),
    RECOMMENDER_CONCURRENCY_ADAPTIVE: z._default(z.stringbool(), true),
    AUTH_JWKS_URL: z.pipe(
      z._default(z.string(), ''),
      z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'an http(s) URL of a JSON Web Key Set, or empty' })]),
    ),
    AUTH_HS256_SECRET: z._default(
      z
        .string()
        .check(z.refine((s) => s === '' || new TextEncoder().encode(s).length >= MIN_SECRET_BYTES, `at least ${MIN_SECRET_BYTES} bytes`)),
      '',
    ),
    AUTH_ISSUER: z._default(z.string(), ''),
    AUTH_AUDIENCE: z._default(z.string(), ''),
    AUTH_ALGORITHMS: z.pipe(
      list('ES256,RS256'),
      z.array(z.enum(ASYMMETRIC, 'asymmetric algorithms only (a JWKS holds public keys), e.g. "ES256,RS256"')).check(z.minLength(1)),
    ),
    AUTH_COOKIE: z._default(z.string().check(z.regex(COOKIE_NAME, 'a cookie name (RFC 6265 token)')), 'feed_token'),
    AUTH_QUERY_USER: z._default(z.stringbool(), false),
    AUTH_JWKS_TIMEOUT_MS: int(1000, 1, 10_000),
  })
  .check(
    z.refine((v) => v.AUTH_JWKS_URL === '' || v.AUTH_HS256_SECRET === '', {
      error: 'set AUTH_JWKS_URL or the AUTH_HS256_SECRET secret, not both: one issuer, one kind of key',
      path: ['AUTH_JWKS_URL'],
    }),
    z.refine((v) => (v.AUTH_JWKS_URL === '' && v.AUTH_HS256_SECRET === '') || (v.AUTH_ISSUER !== '' && v.AUTH_AUDIENCE !== ''), {
      error: 'tokens are checked against an issuer and an audience: set AUTH_ISSUER and AUTH_AUDIENCE',
      path: ['AUTH_ISSUER'],
    }),
    z.refine((v) => v.BREAKER_WINDOW_TYPE === 'time' || v.BREAKER_MIN_CALLS <= v.BREAKER_WINDOW_SIZE, {
      error: 'with a count window, BREAKER_MIN_CALLS must not exceed BREAKER_WINDOW_SIZE (the breaker could never open)',
      path: ['BREAKER_MIN_CALLS'],
    }),
  );

export type FeedVars = Partial<Record<keyof z.input<typeof schema>, string>>;

/** The validated config (state.ts keeps it per isolate); throws `ConfigError` (500 `config_invalid`) naming every bad var. */
export function parseFeedConfig(env: FeedVars): FeedConfig {
  const v = parseVars(schema, env);
  return {
    recommenderUrl: v.RECOMMENDER_URL,
    upstreamKey: v.RECOMMENDER_URL.origin,
    tabs: v.FEED_TABS,
    allowedOrigins: v.ALLOWED_ORIGINS.map((o) => new URL(o).origin),
    breaker: {
      windowType: v.BREAKER_WINDOW_TYPE,
      windowSize: v.BREAKER_WINDOW_SIZE,
      minimumCalls: v.BREAKER_MIN_CALLS,
      failureRateThreshold: v.BREAKER_FAILURE_RATE,
      slowCallDurationMs: v.BREAKER_SLOW_CALL_MS,
      slowCallRateThreshold: v.BREAKER_SLOW_CALL_RATE,
      timeoutMs: v.BREAKER_TIMEOUT_MS,
      openMs: v.BREAKER_OPEN_MS,
      halfOpenProbes: v.BREAKER_HALF_OPEN_PROBES,
      honorRetryAfter: v.BREAKER_HONOR_RETRY_AFTER,
      maxRetryAfterMs: v.BREAKER_MAX_RETRY_AFTER_S * 1000,
    },
    failureStatuses: v.BREAKER_FAILURE_STATUSES,
    syncMs: v.BREAKER_SYNC_MS,
    flushMs: v.BREAKER_FLUSH_MS,
    aggregators: v.BREAKER_AGGREGATORS,
    aggregatorFlushMs: v.BREAKER_AGGREGATOR_FLUSH_MS,
    cacheMaxAgeMs: v.CACHE_MAX_AGE_S * 1000,
    cacheWriteEveryMs: v.CACHE_WRITE_EVERY_S * 1000,
    cacheWriteFirstSpreadMs: v.CACHE_WRITE_FIRST_SPREAD_S * 1000,
    eventsFlushMs: v.EVENTS_FLUSH_MS,
    limit: { max: v.RECOMMENDER_MAX_CONCURRENCY, adaptive: v.RECOMMENDER_CONCURRENCY_ADAPTIVE, slowCallMs: v.BREAKER_SLOW_CALL_MS },
    auth: {
      keys: v.AUTH_JWKS_URL
        ? { kind: 'jwks', url: new URL(v.AUTH_JWKS_URL), algorithms: v.AUTH_ALGORITHMS }
        : v.AUTH_HS256_SECRET
          ? { kind: 'secret', secret: new TextEncoder().encode(v.AUTH_HS256_SECRET) }
          : null,
      issuer: v.AUTH_ISSUER,
      audience: v.AUTH_AUDIENCE,
      cookie: v.AUTH_COOKIE,
      queryUser: v.AUTH_QUERY_USER,
      jwksTimeoutMs: v.AUTH_JWKS_TIMEOUT_MS,
    },
  };
}
