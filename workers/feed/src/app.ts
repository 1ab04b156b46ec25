/**
 * The feed worker's routes. Handlers live in feed.ts, status.ts and stats.ts; this file only wires
 * them. `GET /api/feed/<tab>`, the route that carries the traffic, is dispatched before Hono (see
 * `handleFetch`); everything else (the operator routes, the OpenAPI document, preflights, HEAD,
 * other methods, odd paths) goes through the Hono app below. The `OperatorApi` entrypoint serves
 * the operator routes from `operatorApp`, without the bearer token (a service binding is its auth).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { describeRoute, openAPIRouteHandler, resolver } from 'hono-openapi';
import * as z from 'zod/mini';
import { requireBearer } from '../../../shared/http/auth.ts';
import { HttpError, badRequest, errorToResponse, methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { OPERATOR_HEADER } from '../../../shared/operator/common.ts';
import { configLoader, listVar } from '../../../shared/config.ts';
import type { FeedConfig } from './config.ts';
import { feedContext, serveFeed, type HeaderPairs } from './feed.ts';
import { USER_ID, askerFor } from './identity.ts';
import { operatorRoutes, type FeedAppEnv } from './operator.ts';
import { errorBody, feedBody } from './schemas.ts';
import { feedState, type FeedState } from './state.ts';

type AppEnv = FeedAppEnv;

/** `?user=` must be a user id the recommender knows (identity.ts); anything else never reaches it. */
const userId = z.string().check(z.regex(USER_ID, 'user must be 1-64 characters: letters, digits, "_" or "-"'));

/** The response headers a cross-origin caller may read. */
const EXPOSED_HEADERS = ['X-Feed-Mode', 'X-Feed-Source', 'Age'];

export const app = new Hono<AppEnv>();
app.onError(withOnError());
app.notFound(withNotFound());

// The SPA (edge on 8787, assets on 8788 locally) calls this worker from another origin.
app.use(
  '/api/feed/*',
  cors({
    origin: (origin, c: Context<AppEnv>) => (feedState(c.env).config.allowedOrigins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  }),
);

/**
 * The operator routes need `Authorization: Bearer <ADMIN_TOKEN>`: comma-separated, as for the edge's
 * ADMIN_TOKEN, so a rotation can list the new and the old token; none configured lets nobody in.
 */
const adminTokens = configLoader((env: FeedEnv) => listVar(env.ADMIN_TOKEN));
const requireAdmin = requireBearer<AppEnv>((c) => adminTokens(c.env));
const adminGuard: MiddlewareHandler<AppEnv> = function adminGuard(c, next) {
  c.set('operator', 'admin-token');
  return requireAdmin(c, next);
};
operatorRoutes(app, adminGuard);

/**
 * The OpenAPI 3.1 document of this app, generated from the routes' zod schemas (hono-openapi) on
 * first request. Registered before `/api/feed/:tab`, which would take its path for a tab.
 */
const openApiDocument = openAPIRouteHandler(app, {
  documentation: {
    openapi: '3.1.0',
    info: { title: 'feed', version: '1', description: 'The recommender behind a circuit breaker; degraded feeds when it fails.' },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (the OperatorApi entrypoint needs none)' },
        userToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "a JWT from the site's issuer; the subject is the user",
        },
      },
    },
  },
});
app.get('/api/feed/_openapi.json', openApiDocument);

app.get(
  '/api/feed/:tab',
  describeRoute({
    summary:
      "A tab's feed: live and personalised for a signed-in user, else live anonymous, degraded whenever the recommender is not answering",
    description:
      'The user is the subject of a verified JWT (Authorization: Bearer, or the configured cookie). Always 200 with a feed; `X-Feed-Mode` says which.',
    security: [{ userToken: [] }, {}],
    parameters: [
      {
        name: 'user',
        in: 'query',
        required: false,
        description:
          'The user, counted only without a token and where the deployment allows it (AUTH_QUERY_USER); a malformed one is a 400.',
        schema: { type: 'string', pattern: USER_ID.source },
      },
    ],
    responses: {
      200: { description: 'the feed (X-Feed-Mode: live | degraded)', content: { 'application/json': { schema: resolver(feedBody) } } },
      400: { description: 'a malformed `user`', content: { 'application/json': { schema: resolver(errorBody) } } },
      404: { description: 'an unknown tab', content: { 'application/json': { schema: resolver(errorBody) } } },
    },
  }),
  (c) => {
    const fc = feedContext(feedState(c.env), c.executionCtx);
    const tab = c.req.param('tab');
    const queryUser = checkedFeedRequest(fc.config, tab, c.req.queries('user') ?? []);
    return serveFeed(fc, tab, askerFor(fc.identities, c.req.raw, queryUser));
  },
);
app.all('/api/feed/:tab', () => {
  throw methodNotAllowed(['GET', 'HEAD']);
});

/**
 * The app the `OperatorApi` entrypoint serves: the same operator routes and document, reachable only
 * through a service binding (never from the internet), so the binding is the authentication and
 * `X-Operator` names the operator for the logs.
 */
export const operatorApp = new Hono<AppEnv>();
operatorApp.onError(withOnError());
operatorApp.notFound(withNotFound());
const trustOperator: MiddlewareHandler<AppEnv> = async function trustOperator(c, next) {
  c.set('operator', c.req.header(OPERATOR_HEADER) || 'console');
  await next();
};
operatorRoutes(operatorApp, trustOperator);
operatorApp.get('/api/feed/_openapi.json', openApiDocument);

/**
 * The tab must be configured and `user` given at most once, valid (even when a token makes it
 * moot: bad input is a 400). Answers the `?user=` value (or null); identity.ts decides whether it counts.
 */
function checkedFeedRequest(config: FeedConfig, tab: string, users: readonly string[]): string | null {
  if (!config.tabs.includes(tab)) {
    throw new HttpError(404, 'unknown_tab', `unknown tab; known tabs: ${config.tabs.join(', ')}`, { field: 'tab' });
  }
  if (users.length > 1) throw badRequest('invalid_user', 'give user at most once', { field: 'user' });
  if (users.length === 0) return null;
  // The schema's own pattern, tested directly for valid ids; zod words the error for the others.
  const user = users[0]!;
  if (USER_ID.test(user)) return user;
  const parsed = userId.safeParse(user);
  if (!parsed.success) throw badRequest('invalid_user', parsed.error.issues[0]?.message ?? 'invalid user', { field: 'user' });
  return parsed.data;
}

const FEED_PREFIX = '/api/feed/';
/** Tab segments that need no decoding; anything else (encoded, nested, `_status`) goes to Hono. */
const PLAIN_TAB = /^[a-z0-9-]+$/;
const EXPOSE: readonly [string, string] = ['Access-Control-Expose-Headers', EXPOSED_HEADERS.join(',')];
const VARY: readonly [string, string] = ['Vary', 'Origin'];
const NO_GRANT: HeaderPairs = [EXPOSE, VARY];

/**
 * The worker's `fetch`. `GET /api/feed/<tab>`, the route that carries the traffic, is answered here
 * without Hono's context and the cors middleware, which builds a Response up front and copies its
 * headers onto the handler's (the README has the measurements). The answer is the same as through
 * the Hono app: the same `checkedFeedRequest` and `serveFeed`, the same errors (turned
 * into responses by the same `errorToResponse`), the same CORS grant as `hono/cors` gives a
 * non-preflight request (`Access-Control-Allow-Origin` for allowed origins, the exposed headers,
 * `Vary: Origin`), none when the config is invalid.
 */
export function handleFetch(request: Request, env: FeedEnv, ctx: ExecutionContext): Response | Promise<Response> {
  const tab = request.method === 'GET' ? plainFeedTab(request.url) : null;
  if (tab === null) return app.fetch(request, env, ctx);

  let state: FeedState;
  try {
    state = feedState(env);
  } catch (error) {
    return errorToResponse(error);
  }
  const grant = corsGrant(state, request.headers.get('Origin'));
  try {
    const queryUser = checkedFeedRequest(state.config, tab, usersOf(request.url));
    const answer = serveFeed(feedContext(state, ctx), tab, askerFor(state.identities, request, queryUser), grant);
    return answer instanceof Response ? answer : answer.catch((error: unknown) => granted(errorToResponse(error), grant));
  } catch (error) {
    return granted(errorToResponse(error), grant);
  }
}

/** An error answer with the CORS grant, as `hono/cors` leaves it on errors thrown after it ran. */
function granted(response: Response, grant: HeaderPairs): Response {
  for (const [name, value] of grant) response.headers.append(name, value);
  return response;
}

/** The CORS headers for an allowed origin, built once per isolate and origin (serveFeed keys on them). */
function corsGrant(state: FeedState, origin: string | null): HeaderPairs {
  if (!origin || !state.config.allowedOrigins.includes(origin)) return NO_GRANT;
  let grant = state.grants.get(origin);
  if (!grant) {
    grant = [['Access-Control-Allow-Origin', origin], EXPOSE, VARY];
    state.grants.set(origin, grant);
  }
  return grant;
}

/** The tab of `/api/feed/<tab>` when the path is exactly that and the tab needs no decoding. */
function plainFeedTab(url: string): string | null {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  if (pathStart === -1 || !url.startsWith(FEED_PREFIX, pathStart)) return null;
  const query = url.indexOf('?', pathStart);
  const tab = url.slice(pathStart + FEED_PREFIX.length, query === -1 ? undefined : query);
  return PLAIN_TAB.test(tab) ? tab : null;
}

/** The `user` values of the URL's query, as `URLSearchParams.getAll('user')` gives them. */
function usersOf(url: string): string[] {
  const query = url.indexOf('?');
  if (query === -1) return [];
  const search = url.slice(query + 1);
  // Percent-encoding or '+' in the query: let the platform decode it.
  if (search.includes('%') || search.includes('+')) return new URLSearchParams(search).getAll('user');
  const users: string[] = [];
  for (const pair of search.split('&')) {
    if (pair === 'user') users.push('');
    else if (pair.startsWith('user=')) users.push(pair.slice(5));
  }
  return users;
}
