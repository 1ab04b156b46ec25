/** The recache / purge API under `/__prerender/` (index.ts sends everything else to the front door). */
import { Hono } from 'hono';
import { methodNotAllowed } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { parseAdminBody, purge, recache, requireAdmin } from './admin.ts';
import { depsOf } from './deps.ts';

export const ADMIN_PREFIX = '/__prerender/';

export const app = new Hono<{ Bindings: EdgeEnv }>();

app.onError(withOnError());
app.notFound(withNotFound());

app.post('/__prerender/recache', requireAdmin, async (c) => {
  const body = await parseAdminBody(c.req.raw);
  return recache(body, { ...depsOf(c.env), waitUntil: (p) => c.executionCtx.waitUntil(p) });
});

app.post('/__prerender/purge', requireAdmin, async (c) => {
  const body = await parseAdminBody(c.req.raw);
  return purge(body, { ...depsOf(c.env), waitUntil: (p) => c.executionCtx.waitUntil(p) });
});

app.on(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'], ['/__prerender/recache', '/__prerender/purge'], () => {
  throw methodNotAllowed(['POST']);
});
