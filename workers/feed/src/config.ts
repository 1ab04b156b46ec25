/**
 * The feed worker's configuration, read from `[env.feed.vars]` and validated with zod. A bad value
 * fails loudly: the first request answers 500 `config_invalid` naming every bad var (a deploy-time
 * mistake is an outage of ours, not the client's fault), and the cron logs the same error.
 */
import * as z from 'zod';
import { HttpError } from '../../../shared/http/errors.ts';
import type { BreakerConfig } from './breaker.ts';

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
  /** The KV tier is served while younger than this (RFC 5861 `stale-if-error` window). */
  cacheMaxAgeMs: number;
  /** At most one KV write per tab per isolate in this interval. */
  cacheWriteEveryMs: number;
}

const TAB = /^[a-z0-9][a-z0-9-]{0,31}$/;

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : v), z.coerce.number().int().min(min).max(max));

const list = (fallback: string) =>
  z.preprocess(
    (v) => (v === undefined ? fallback : v),
    z.string().transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  );

const statusRanges = z
  .string()
  .regex(/^\s*\d{3}(-\d{3})?(\s*,\s*\d{3}(-\d{3})?)*\s*$/, 'a comma-separated list of status codes or ranges, e.g. "408,429,500-599"')
  .transform((s) =>
    s.split(',').map((part) => {
      const [lo, hi = lo] = part.trim().split('-').map(Number) as [number, number?];
      return [lo, hi] as const;
    }),
  );

const schema = z
  .object({
    RECOMMENDER_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://localhost:8793' }).transform((s) => new URL(s)),
    FEED_TABS: list('home,trending,new').pipe(z.array(z.string().regex(TAB, 'tab names are lowercase slugs')).min(1)),
    ALLOWED_ORIGINS: list('').pipe(z.array(z.url({ protocol: /^https?$/ }))),
    BREAKER_WINDOW_TYPE: z.enum(['count', 'time']).default('count'),
    BREAKER_WINDOW_SIZE: integer(20, 1, 1000),
    BREAKER_MIN_CALLS: integer(10, 1, 10_000),
    BREAKER_FAILURE_RATE: integer(50, 1, 100),
    BREAKER_SLOW_CALL_MS: integer(600, 1, 600_000),
    BREAKER_SLOW_CALL_RATE: integer(100, 1, 100),
    BREAKER_TIMEOUT_MS: integer(800, 1, 60_000),
    BREAKER_OPEN_MS: integer(10_000, 1, 3_600_000),
    BREAKER_HALF_OPEN_PROBES: integer(2, 1, 100),
    BREAKER_FAILURE_STATUSES: z.string().default('408,429,500-599').pipe(statusRanges),
    BREAKER_HONOR_RETRY_AFTER: z.stringbool().default(true),
    BREAKER_MAX_RETRY_AFTER_S: integer(300, 0, 86_400),
    BREAKER_SYNC_MS: integer(1000, 50, 60_000),
    BREAKER_FLUSH_MS: integer(200, 0, 10_000),
    CACHE_MAX_AGE_S: integer(604_800, 60, 31_536_000),
    CACHE_WRITE_EVERY_S: integer(60, 0, 86_400),
  })
  .refine((v) => v.BREAKER_WINDOW_TYPE === 'time' || v.BREAKER_MIN_CALLS <= v.BREAKER_WINDOW_SIZE, {
    message: 'with a count window, BREAKER_MIN_CALLS must not exceed BREAKER_WINDOW_SIZE (the breaker could never open)',
    path: ['BREAKER_MIN_CALLS'],
  });

export type FeedVars = Partial<Record<keyof z.input<typeof schema>, string>>;

const parsed = new WeakMap<object, FeedConfig>();

/** The validated config for these bindings (parsed once per env object). Throws `config_invalid`. */
export function feedConfig(env: FeedVars): FeedConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const config = parseFeedConfig(env);
  parsed.set(env, config);
  return config;
}

export function parseFeedConfig(env: FeedVars): FeedConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new HttpError(500, 'config_invalid', `feed worker misconfigured: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, {
      issues,
    });
  }
  const v = result.data;
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
    cacheMaxAgeMs: v.CACHE_MAX_AGE_S * 1000,
    cacheWriteEveryMs: v.CACHE_WRITE_EVERY_S * 1000,
  };
}
