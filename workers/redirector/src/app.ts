/** The redirector: one route, GET/HEAD `/<code>`, kept as small as the router allows. */
import type { IRequest } from 'itty-router';
import { IttyRouter } from 'itty-router/IttyRouter';
import type { LinkAuthorityReader, Remote } from '../../../shared/links/authority.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { goneReason } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import { clickKind, countClick } from './clicks.ts';
import { resolveLink } from './resolve.ts';
import {
  DEFAULT_MAX_AGE,
  goneResponse,
  methodNotAllowedResponse,
  notFoundResponse,
  redirectResponse,
  unavailableResponse,
} from './respond.ts';

/** How long a client should wait when neither KV nor the authority answered. */
const RETRY_AFTER_SECONDS = 5;

type Args = [env: RedirectorEnv, ctx: ExecutionContext];

async function redirect(request: IRequest, env: RedirectorEnv, ctx: ExecutionContext): Promise<Response> {
  const code = request.params.code ?? '';
  if (!CODE_PATTERN.test(code)) return notFoundResponse(request);
  const now = Date.now();
  const authority = authorityOf(env);
  const found = await resolveLink(code, { kv: env.LINKS, authority, now });
  if (found.kind === 'unknown') return notFoundResponse(request);
  if (found.kind === 'unavailable') return unavailableResponse(request, RETRY_AFTER_SECONDS);
  const gone = goneReason(found.record, now);
  if (gone !== null) return goneResponse(request, gone);
  const kind = clickKind(request.method, request.headers.get('User-Agent'));
  const sinks = { analytics: env.CLICKS, authority: () => authority(code) };
  const counting = countClick(sinks, found.record, kind, request, clickFlushMs(env));
  if (counting !== null) ctx.waitUntil(counting);
  return redirectResponse(found.record, searchOf(request.url), defaultMaxAge(env), now);
}

export const router = IttyRouter<IRequest, Args>();
router.get('/:code', redirect);
router.head('/:code', redirect);
router.all('/:code', () => methodNotAllowedResponse());
router.all('*', (request) => notFoundResponse(request));

/** The one boundary: whatever goes wrong, a client gets a 503 with Retry-After, never a bare 500. */
export async function handle(request: Request, env: RedirectorEnv, ctx: ExecutionContext): Promise<Response> {
  try {
    return (await router.fetch(request, env, ctx)) ?? notFoundResponse(request);
  } catch (error) {
    log('error', 'redirector.failed', { error: String(error) });
    return unavailableResponse(request, RETRY_AFTER_SECONDS);
  }
}

function authorityOf(env: RedirectorEnv): (code: string) => Remote<LinkAuthorityReader> | undefined {
  const namespace = env.LINK_AUTHORITY as DurableObjectNamespace | undefined;
  // The class lives in the shortener (script_name), so its RPC type is described by shared/links.
  return (code) => namespace?.get(namespace.idFromName(code)) as unknown as Remote<LinkAuthorityReader> | undefined;
}

/** The query string of a request URL (a request URL carries no fragment), without parsing it again. */
function searchOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
}

function clickFlushMs(env: RedirectorEnv): number {
  const value = Number(env.CLICK_FLUSH_MS);
  return Number.isFinite(value) && value >= 0 ? value : 1000;
}

function defaultMaxAge(env: RedirectorEnv): number {
  const value = Number(env.REDIRECT_MAX_AGE);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_MAX_AGE;
}
