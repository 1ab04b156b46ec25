import { errorToResponse } from '../../../shared/http/errors.ts';
import { ADMIN_PREFIX, app } from './app.ts';
import { frontDoor } from './front-door.ts';
import { pathStartsWith } from './route.ts';
import { scheduled } from './scheduled.ts';

/**
 * The admin API goes through Hono; every other request (the site's traffic) goes straight to the
 * front door, so a human's pass-through pays no router.
 */
async function fetch(request: Request, env: EdgeEnv, ctx: ExecutionContext): Promise<Response> {
  if (pathStartsWith(request.url, ADMIN_PREFIX)) return app.fetch(request, env, ctx);
  try {
    return await frontDoor(request, env, ctx);
  } catch (error) {
    return errorToResponse(error);
  }
}

export default { fetch, scheduled } satisfies ExportedHandler<EdgeEnv>;
