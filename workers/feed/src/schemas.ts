/**
 * The feed's own JSON shapes as zod schemas: what its routes answer and accept, typed from here and
 * described from here in the OpenAPI document. The operator stats shape is shared with the console
 * (shared/operator/breaker.ts); everything else only this worker answers.
 */
import * as z from 'zod/mini';

const item = z.looseObject({ id: z.union([z.string(), z.number()]), title: z.string() });

export const feedBody = z.object({
  tab: z.string(),
  mode: z.enum(['live', 'degraded']),
  source: z.enum(['recommender', 'cache', 'baked']),
  /** Whether the items were chosen for the signed-in user (never true when degraded). */
  personalized: z.boolean(),
  /** Seconds since this feed came from the recommender (0 when live). */
  ageSeconds: z.number(),
  reason: z.optional(
    z.enum([
      'breaker-open',
      'forced-open',
      'concurrency-limit',
      'upstream-timeout',
      'upstream-error',
      'upstream-status',
      'upstream-bad-body',
    ]),
  ),
  items: z.array(item),
});

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.optional(z.string()),
    issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  }),
});

export const forceBody = z.strictObject({ mode: z.enum(['open', 'closed', 'auto']) });

const windowStats = z.object({
  calls: z.number(),
  failures: z.number(),
  slow: z.number(),
  failureRate: z.number(),
  slowCallRate: z.number(),
});
const tier = z.object({ ageSeconds: z.number(), items: z.number() });

export const statusBody = z.object({
  upstream: z.string(),
  breaker: z.object({
    status: z.enum(['closed', 'open', 'half-open']),
    forced: z.nullable(z.enum(['open', 'closed'])),
    admission: z.enum(['call', 'probe', 'reject']),
    reason: z.nullable(z.string()),
    trips: z.number(),
    changedAt: z.string(),
    openUntil: z.nullable(z.string()),
    halfOpen: z.nullable(z.object({ probesStarted: z.number(), probeSuccesses: z.number() })),
    window: windowStats,
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  /** This isolate: when it last synced with the Durable Object, and its counts sent and lost. */
  isolate: z.object({
    syncedAt: z.number(),
    reachable: z.boolean(),
    pending: z.number(),
    events: z.object({ sent: z.number(), lost: z.number() }),
    /** Calls to the recommender in flight, the limit now (adaptive) and its maximum, requests shed. */
    concurrency: z.object({ inFlight: z.number(), limit: z.number(), max: z.number(), adaptive: z.boolean(), shed: z.number() }),
  }),
  tiers: z.array(z.object({ tab: z.string(), cache: z.nullable(tier), baked: tier })),
  cacheMaxAgeSeconds: z.number(),
  /** After a POST: the mode applied, and whether the Durable Object took it (else only this isolate). */
  mode: z.optional(z.enum(['open', 'closed', 'auto'])),
  shared: z.optional(z.boolean()),
});
export type StatusBody = z.infer<typeof statusBody>;
