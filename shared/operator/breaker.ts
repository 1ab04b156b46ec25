/**
 * The feed's operator API: `GET /api/feed/_stats?range=&bucket=` (admin token, or the `OperatorApi`
 * entrypoint) answers, per upstream, the breaker's state now, the rates of its current window, a
 * timeline of its transitions, and answers served live and degraded over time. Forcing the breaker
 * stays `POST /api/feed/_status` with `{ "mode": "open" | "closed" | "auto" }`.
 */
import * as z from 'zod/mini';

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

export const breakerTransition = z.object({
  at: z.string(),
  from: z.enum(BREAKER_STATES),
  to: z.enum(BREAKER_STATES),
  reason: z.nullable(z.string()),
});

export const upstreamStats = z.object({
  upstream: z.string(),
  state: z.enum(BREAKER_STATES),
  forced: z.nullable(z.enum(['open', 'closed'])),
  /** Of the current window: calls, and the failure and slow-call rates in percent (null below the minimum calls). */
  window: z.object({ calls: z.number(), failureRate: z.nullable(z.number()), slowCallRate: z.nullable(z.number()) }),
  /** Share of answers served degraded in the range, 0..1. */
  degradedShare: z.number(),
  trips: z.number(),
  timeline: z.array(breakerTransition),
  series: z.array(
    z.object({
      t: z.string(),
      live: z.number(),
      degraded: z.number(),
      failures: z.number(),
      slowCalls: z.number(),
      trips: z.number(),
      recoveries: z.number(),
    }),
  ),
});

export const breakerStats = z.object({
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  upstreams: z.array(upstreamStats),
});
export type BreakerStats = z.infer<typeof breakerStats>;
export type UpstreamStats = z.infer<typeof upstreamStats>;
