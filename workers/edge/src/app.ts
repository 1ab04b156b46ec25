/**
 * The operator API under `/__prerender/` (index.ts sends everything else to the front door), built
 * twice from one set of routes: `app` behind the admin bearer token (scripts), `operatorApp` for
 * the `OperatorApi` entrypoint (the console, over a service binding that authenticates it), where
 * the operator's name comes in `X-Operator`. Either way the name of who acted goes into the log of
 * every write. The OpenAPI 3.1 document is generated from the same zod schemas (hono-openapi).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { describeRoute, openAPIRouteHandler, resolver } from 'hono-openapi';
import { requireBearer } from '../../../shared/http/auth.ts';
import { badRequest, methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { log } from '../../../shared/log.ts';
import { OPERATOR_HEADER, statsQuery } from '../../../shared/operator/common.ts';
import {
  prerenderStats as prerenderStatsSchema,
  refreshReport,
  snapshotList,
  snapshotsQuery,
  warmReport,
} from '../../../shared/operator/prerender.ts';
import { AdminBody, adminTokens, parseAdminBody, purge, recache } from './admin.ts';
import { depsOf } from './deps.ts';
import { prerenderStats, snapshotInventory } from './operator.ts';
import { runRefreshPass } from './refresh-pass.ts';
import { warmUp } from './warmup.ts';

export const ADMIN_PREFIX = '/__prerender/';

type AdminEnv = { Bindings: EdgeEnv; Variables: { operator: string } };

const errorBody = { description: 'what was wrong: `{ "error": { "code", "message", "field"? } }`' };
const json = (schema: Parameters<typeof resolver>[0]) => ({ 'application/json': { schema: resolver(schema) } });
const adminBody = { required: true, content: json(AdminBody) };

function buildApp(guard: MiddlewareHandler<AdminEnv>): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.onError(withOnError());
  app.notFound(withNotFound());

  const waitUntil = (c: Context<AdminEnv>) => (p: Promise<unknown>) => c.executionCtx.waitUntil(p);

  app.post(
    '/__prerender/recache',
    describeRoute({
      summary: 'Re-render one URL now (200, outside the budget) or every cached page under a prefix (202, in the background)',
      requestBody: adminBody,
      responses: {
        200: { description: 'per device: stored, not-cacheable or failed' },
        202: { description: '{ prefix, queued }' },
        400: errorBody,
      },
    }),
    guard,
    async (c) => {
      const body = await parseAdminBody(c.req.raw);
      log('info', 'prerender.admin', { action: 'recache', operator: c.get('operator'), ...body });
      return recache(body, { ...depsOf(c.env), waitUntil: waitUntil(c) });
    },
  );

  app.post(
    '/__prerender/purge',
    describeRoute({
      summary: 'Forget a URL or every page under a prefix (index and bodies)',
      requestBody: adminBody,
      responses: { 200: { description: '{ url | prefix, purged }' }, 400: errorBody },
    }),
    guard,
    async (c) => {
      const body = await parseAdminBody(c.req.raw);
      log('info', 'prerender.admin', { action: 'purge', operator: c.get('operator'), ...body });
      return purge(body, { ...depsOf(c.env), index: c.env.PRERENDER_INDEX, waitUntil: waitUntil(c) });
    },
  );

  app.post(
    '/__prerender/warm',
    describeRoute({
      summary: 'Warm the next slice of the sitemap now, as the cron does each minute, and answer what it did',
      responses: { 200: { description: 'the slice warmed', content: json(warmReport) } },
    }),
    guard,
    async (c) => {
      log('info', 'prerender.admin', { action: 'warm', operator: c.get('operator') });
      const deps = depsOf(c.env);
      return c.json(await warmUp(c.env.ASSETS_SERVICE, c.env.PRERENDER_INDEX, { ...deps, waitUntil: waitUntil(c) }));
    },
  );

  app.post(
    '/__prerender/refresh',
    describeRoute({
      summary: 'Run one refresh pass now, as the cron does each minute: revalidate recorded data, re-render what changed',
      responses: { 200: { description: 'what the pass did', content: json(refreshReport) }, 400: errorBody },
    }),
    guard,
    async (c) => {
      await rejectBody(c.req.raw);
      log('info', 'prerender.admin', { action: 'refresh', operator: c.get('operator') });
      return c.json(
        await runRefreshPass({ ...depsOf(c.env), index: c.env.PRERENDER_INDEX, assets: c.env.ASSETS_SERVICE, waitUntil: waitUntil(c) }),
      );
    },
  );

  app.get(
    '/__prerender/stats',
    describeRoute({
      summary: 'Answers, renders and browser time over time, per crawler category, against the render budget',
      parameters: [
        { name: 'range', in: 'query', schema: { type: 'string', enum: ['24h', '7d', '30d'] } },
        { name: 'bucket', in: 'query', schema: { type: 'string', enum: ['hour', 'day'] } },
      ],
      responses: {
        200: { description: "counts since the start of the store's retention, and over the range", content: json(prerenderStatsSchema) },
        400: errorBody,
      },
    }),
    guard,
    async (c) => {
      const query = parseInput(statsQuery, c.req.query(), { code: 'invalid_query' });
      return c.json(await prerenderStats(c.env.EVENTS_DB, query, depsOf(c.env).config));
    },
  );

  app.get(
    '/__prerender/snapshots',
    describeRoute({
      summary: 'The snapshot inventory: URL, device, status, age, size and freshness, under a prefix',
      parameters: ['prefix', 'device', 'cursor', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
      responses: { 200: { description: 'a page of snapshots and the cursor of the next', content: json(snapshotList) }, 400: errorBody },
    }),
    guard,
    async (c) => {
      const query = parseInput(snapshotsQuery, c.req.query(), { code: 'invalid_query' });
      const deps = depsOf(c.env);
      return c.json(await snapshotInventory(deps.store, query, deps.config));
    },
  );

  app.get(
    '/__prerender/openapi.json',
    openAPIRouteHandler(app, {
      documentation: {
        openapi: '3.1.0',
        info: { title: 'edge: prerender operator API', version: '1.0.0' },
        components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
        security: [{ admin: [] }],
      },
      exclude: ['/__prerender/openapi.json'],
    }),
  );

  app.on(
    ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
    ['/__prerender/recache', '/__prerender/purge', '/__prerender/warm', '/__prerender/refresh'],
    () => {
      throw methodNotAllowed(['POST']);
    },
  );
  app.on(['POST', 'PUT', 'DELETE', 'PATCH'], ['/__prerender/stats', '/__prerender/snapshots'], () => {
    throw methodNotAllowed(['GET']);
  });
  return app;
}

/**
 * The refresh pass takes no input: an empty body or `{}`. Anything else is refused, so a caller that
 * meant to send options learns they are not read.
 */
async function rejectBody(request: Request): Promise<void> {
  const text = (await request.text()).trim();
  if (text === '' || text === '{}') return;
  throw badRequest('invalid_body', 'POST /__prerender/refresh takes no body (or {})');
}

const bearer = requireBearer<AdminEnv>((c) => adminTokens(c.env));

/** Scripts: `Authorization: Bearer <ADMIN_TOKEN>`; `X-Operator` is not trusted here. */
const adminGuard: MiddlewareHandler<AdminEnv> = async function adminGuard(c, next) {
  c.set('operator', 'admin-token');
  return bearer(c, next);
};

/** The console, through the `OperatorApi` entrypoint: the service binding is the authentication. */
const operatorGuard: MiddlewareHandler<AdminEnv> = async function operatorGuard(c, next) {
  c.set('operator', c.req.header(OPERATOR_HEADER)?.slice(0, 200) || 'console');
  await next();
};

export const app = buildApp(adminGuard);
export const operatorApp = buildApp(operatorGuard);
