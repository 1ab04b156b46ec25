/** The feed worker's routes. Handlers live in feed.ts and status.ts; this file only wires them. */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import * as z from 'zod';
import { HttpError, badRequest, methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { feedConfig } from './config.ts';
import { feedContext, serveFeed, type FeedContext } from './feed.ts';
import { forceBreaker, requireAdmin, statusBody } from './status.ts';

type AppEnv = { Bindings: FeedEnv };

/** User ids the recommender knows: opaque slugs. Anything else never reaches it. */
const userId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'user must be 1-64 characters: letters, digits, "_" or "-"');

export const app = new Hono<AppEnv>();
app.onError(withOnError());
app.notFound(withNotFound());

// The SPA (edge on 8787, assets on 8788 locally) calls this worker from another origin.
app.use(
  '/api/feed/*',
  cors({
    origin: (origin, c: Context<AppEnv>) => (feedConfig(c.env).allowedOrigins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['X-Feed-Mode', 'X-Feed-Source', 'Age'],
    maxAge: 600,
  }),
);

function context(c: Context<AppEnv>): FeedContext {
  return feedContext(c.env, feedConfig(c.env), c.executionCtx);
}

app.get('/api/feed/_status', async (c) => {
  await requireAdmin(c.req.raw, c.env.ADMIN_TOKEN);
  return c.json(await statusBody(context(c)), 200, { 'Cache-Control': 'no-store' });
});
app.post('/api/feed/_status', async (c) => {
  await requireAdmin(c.req.raw, c.env.ADMIN_TOKEN);
  return c.json(await forceBreaker(context(c), c.req.raw), 200, { 'Cache-Control': 'no-store' });
});
app.all('/api/feed/_status', () => {
  throw methodNotAllowed(['GET', 'HEAD', 'POST']);
});

app.get('/api/feed/:tab', async (c) => {
  const fc = context(c);
  const tab = c.req.param('tab');
  if (!fc.config.tabs.includes(tab)) {
    throw new HttpError(404, 'unknown_tab', `unknown tab; known tabs: ${fc.config.tabs.join(', ')}`, { field: 'tab' });
  }
  const users = c.req.queries('user') ?? [];
  if (users.length > 1) throw badRequest('invalid_user', 'give user at most once', { field: 'user' });
  let user: string | null = null;
  if (users.length === 1) {
    const parsed = userId.safeParse(users[0]);
    if (!parsed.success) throw badRequest('invalid_user', parsed.error.issues[0]?.message ?? 'invalid user', { field: 'user' });
    user = parsed.data;
  }
  return serveFeed(fc, tab, user);
});
app.all('/api/feed/:tab', () => {
  throw methodNotAllowed(['GET', 'HEAD']);
});
