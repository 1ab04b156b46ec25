import { classifyBot } from '../../../shared/bots/classify.ts';
import { errorToResponse } from '../../../shared/http/errors.ts';
import { ADMIN_PREFIX, app } from './app.ts';
import { frontDoor } from './front-door.ts';
import { pathStartsWith } from './route.ts';
import { scheduled } from './scheduled.ts';
import { withPrerenderState } from './snapshot.ts';

/**
 * The admin API goes through Hono; every other request (the site's traffic) goes straight to the
 * front door, which has one decision to make and no routes (README: "Where a cache hit's time went").
 */
async function fetch(request: Request, env: EdgeEnv, ctx: ExecutionContext): Promise<Response> {
  if (pathStartsWith(request.url, ADMIN_PREFIX)) return admin(request, env, ctx);
  try {
    return await frontDoor(request, env, ctx);
  } catch (error) {
    return errorToResponse(error);
  }
}

/** Admin answers are not pages; a bot's (curl is one) still carries `X-Prerender`, as every bot response does. */
async function admin(request: Request, env: EdgeEnv, ctx: ExecutionContext): Promise<Response> {
  const response = await app.fetch(request, env, ctx);
  return classifyBot({ userAgent: request.headers.get('User-Agent') }).bot ? withPrerenderState(response, 'BYPASS') : response;
}

export default { fetch, scheduled } satisfies ExportedHandler<EdgeEnv>;
