/**
 * The operator routes, registered twice with the same handlers: on the public app behind the admin
 * bearer token (for scripts), and on the `OperatorApi` entrypoint's app, which only a service
 * binding reaches (the console), where the operator's name comes in `X-Operator`.
 *
 *   GET  /api/feed/_stats?range=&bucket=   breaker state, window, timeline and series (shared/operator/breaker.ts)
 *   GET  /api/feed/_status                 the breaker as this isolate and the Durable Object see it, the tiers
 *   POST /api/feed/_status                 { "mode": "open" | "closed" | "auto" }: force the breaker
 *
 * Each route is described for the OpenAPI document (`/api/feed/_openapi.json`, openapi.ts) from the
 * same zod schemas that check its input and type its answer.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { describeRoute, resolver, validator } from 'hono-openapi';
import { HttpError, methodNotAllowed } from '../../../shared/http/errors.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { breakerStats as breakerStatsSchema } from '../../../shared/operator/breaker.ts';
import { statsQuery } from '../../../shared/operator/common.ts';
import { feedContext, type FeedContext } from './feed.ts';
import { errorBody, forceBody, statusBody as statusBodySchema } from './schemas.ts';
import { feedState } from './state.ts';
import { breakerStats } from './stats.ts';
import { forceBreaker, statusBody } from './status.ts';

export type FeedAppEnv = { Bindings: FeedEnv; Variables: { operator: string } };

const json = (schema: Parameters<typeof resolver>[0]) => ({ 'application/json': { schema: resolver(schema) } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: ERROR_TEXT[status] ?? 'error', content: json(errorBody) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'bad input, named in `error.field`',
  401: 'no admin token, or a wrong one',
  413: 'body too large',
  415: 'body is not JSON',
  503: 'a store did not answer',
};
const ADMIN = [{ adminToken: [] }];

function context(c: Context<FeedAppEnv>): FeedContext {
  return feedContext(feedState(c.env), c.executionCtx);
}

/** `?range=&bucket=` checked by the shared schema; a bad value is our 400 naming the field. */
const statsQueryOf = validator('query', statsQuery, (result, c) => {
  if (!result.success) parseInput(statsQuery, c.req.query(), { code: 'invalid_query' });
});

export function operatorRoutes(app: Hono<FeedAppEnv>, guard: MiddlewareHandler<FeedAppEnv>): void {
  app.get(
    '/api/feed/_stats',
    describeRoute({
      summary: 'Breaker state, current window, timeline of transitions and answers over time, per upstream',
      security: ADMIN,
      responses: { 200: { description: 'the stats', content: json(breakerStatsSchema) }, ...errors(400, 401, 503) },
    }),
    guard,
    statsQueryOf,
    async (c) => {
      const fc = context(c);
      const stats = await breakerStats(
        fc,
        {
          db: c.env.EVENTS_DB,
          breakerOf: (upstream) => c.env.BREAKER.get(c.env.BREAKER.idFromName(upstream)),
        },
        c.req.valid('query'),
      ).catch((error: unknown) => {
        if (error instanceof HttpError) throw error;
        throw new HttpError(503, 'stats_unavailable', `the stats store did not answer: ${String(error)}`);
      });
      return c.json(stats, 200, { 'Cache-Control': 'no-store' });
    },
  );

  app.get(
    '/api/feed/_status',
    describeRoute({
      summary: 'The breaker as the Durable Object and this isolate see it, and the degraded tiers',
      security: ADMIN,
      responses: { 200: { description: 'the status', content: json(statusBodySchema) }, ...errors(401) },
    }),
    guard,
    async (c) => c.json(await statusBody(context(c)), 200, { 'Cache-Control': 'no-store' }),
  );

  app.post(
    '/api/feed/_status',
    describeRoute({
      summary: 'Force the breaker open (everyone degraded), closed (always call) or back to auto',
      security: ADMIN,
      requestBody: { required: true, content: json(forceBody) },
      responses: {
        200: { description: 'the mode applied and the status after it', content: json(statusBodySchema) },
        ...errors(400, 401, 413, 415),
      },
    }),
    guard,
    async (c) => c.json(await forceBreaker(context(c), c.req.raw, c.get('operator')), 200, { 'Cache-Control': 'no-store' }),
  );
  app.all('/api/feed/_status', () => {
    throw methodNotAllowed(['GET', 'HEAD', 'POST']);
  });
  app.all('/api/feed/_stats', () => {
    throw methodNotAllowed(['GET', 'HEAD']);
  });
}
