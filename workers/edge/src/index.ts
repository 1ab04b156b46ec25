import { WorkerEntrypoint } from 'cloudflare:workers';
import { classifyBot } from '../../../shared/bots/classify.ts';
import { consumeEvents } from '../../../shared/events/rollup.ts';
import { errorToResponse, notFound } from '../../../shared/http/errors.ts';
import { ADMIN_PREFIX, app, operatorApp } from './app.ts';
import { configOf } from './config.ts';
import { CONTENT_PREFIX, proxyContent } from './content-proxy.ts';
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
  if (pathStartsWith(request.url, CONTENT_PREFIX)) {
    const origin = configOf(env).contentApiOrigin;
    if (origin) return content(request, origin);
  }
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

/** The content API: not a page, so never prerendered; a bot's answer is marked as every bot response is. */
async function content(request: Request, origin: string): Promise<Response> {
  const response = await proxyContent(request, new URL(request.url), origin).catch(errorToResponse);
  return classifyBot({ userAgent: request.headers.get('User-Agent') }).bot ? withPrerenderState(response, 'BYPASS') : response;
}

/** The edge's own event queue, rolled up into its own D1 (events.ts). */
async function queue(batch: MessageBatch<unknown>, env: EdgeEnv): Promise<void> {
  await consumeEvents(batch, env.EVENTS_DB);
}

export default { fetch, scheduled, queue } satisfies ExportedHandler<EdgeEnv>;

/** The pages' render leases (`RENDER_LEASES`, one object per cache key): render-lease.ts. */
export { Leases } from '../../../shared/lease/object.ts';

/**
 * The console's way in (`{ binding = "EDGE", service = "edge", entrypoint = "OperatorApi" }`): the
 * operator routes under `/__prerender/` at the same paths, authenticated by the service binding
 * itself (an entrypoint is unreachable from the internet); `X-Operator` names who acts.
 */
export class OperatorApi extends WorkerEntrypoint<EdgeEnv> {
  override async fetch(request: Request): Promise<Response> {
    if (!pathStartsWith(request.url, ADMIN_PREFIX)) return notFound(`no operator route for ${new URL(request.url).pathname}`).toResponse();
    return operatorApp.fetch(request, this.env, this.ctx);
  }
}
