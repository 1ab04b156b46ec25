/**
 * The redirector: one route, GET/HEAD `/<code>`. The path that carries the traffic, `GET` or `HEAD`
 * of a plain code, is dispatched before the router (see `handle`); everything else (other methods,
 * paths that cannot be a code) goes through itty-router below.
 */
import type { IRequest } from 'itty-router';
import { IttyRouter } from 'itty-router/IttyRouter';
import type { LinkAuthorityReader, Remote } from '../../../shared/links/authority.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { goneReason, type LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import { clickKind, countClick, type ClickSinks } from './clicks.ts';
import { freshRecord, resolveLink } from './resolve.ts';
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

export const router = IttyRouter<IRequest, Args>();
router.get('/:code', routedRedirect);
router.head('/:code', routedRedirect);
router.all('/:code', () => methodNotAllowedResponse());
router.all('*', (request) => notFoundResponse(request));

/**
 * The worker's `fetch`, and the one boundary: whatever goes wrong, a client gets a 503 with
 * Retry-After, never a bare 500.
 *
 * `GET` / `HEAD /<code>` is answered here without the router: itty-router parses the URL, builds
 * the query object and awaits each handler, and for a popular link answered from isolate memory
 * that (with the promise chain of an async handler) cost about a tenth of the bench's throughput.
 * The answer is the one the router's `/:code` route gives: same code (the path segment, trailing
 * slashes ignored, not decoded), same checks and responses. A link this isolate read less than
 * FRESH_MS ago is answered synchronously, with no promise at all.
 */
export function handle(request: Request, env: RedirectorEnv, ctx: ExecutionContext): Response | Promise<Response> {
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') return routed(request, env, ctx);
  // Read once: every read of `request.url` converts the runtime's URL into a new string.
  const url = request.url;
  const code = plainCode(url);
  if (code === null) return routed(request, env, ctx);
  try {
    const now = Date.now();
    const record = freshRecord(code, now);
    if (record !== undefined) return answer(request, method, searchOf(url), settingsOf(env), ctx, record, now);
    return redirect(request, code, env, ctx, now);
  } catch (error) {
    return failed(request, error);
  }
}

async function routed(request: Request, env: RedirectorEnv, ctx: ExecutionContext): Promise<Response> {
  try {
    return (await router.fetch(request, env, ctx)) ?? notFoundResponse(request);
  } catch (error) {
    return failed(request, error);
  }
}

function routedRedirect(request: IRequest, env: RedirectorEnv, ctx: ExecutionContext): Response | Promise<Response> {
  const code = request.params.code ?? '';
  if (!CODE_PATTERN.test(code)) return notFoundResponse(request);
  return redirect(request, code, env, ctx, Date.now());
}

async function redirect(request: Request, code: string, env: RedirectorEnv, ctx: ExecutionContext, now: number): Promise<Response> {
  try {
    const settings = settingsOf(env);
    const found = await resolveLink(code, { kv: env.LINKS, authority: settings.authority, now });
    if (found.kind === 'unknown') return notFoundResponse(request);
    if (found.kind === 'unavailable') return unavailableResponse(request, RETRY_AFTER_SECONDS);
    return answer(request, request.method, searchOf(request.url), settings, ctx, found.record, now);
  } catch (error) {
    return failed(request, error);
  }
}

/** The answer for a link that was found: 410 if it is gone, else the redirect, its click counted in waitUntil. */
function answer(
  request: Request,
  method: string,
  search: string,
  settings: Settings,
  ctx: ExecutionContext,
  record: LinkRecord,
  now: number,
): Response {
  const gone = goneReason(record, now);
  if (gone !== null) return goneResponse(request, gone);
  const kind = clickKind(method, request.headers.get('User-Agent'));
  const counting = countClick(settings.sinks, record, kind, request, settings.flushMs, now);
  if (counting !== null) ctx.waitUntil(counting);
  return redirectResponse(record, search, settings.maxAge, now);
}

function failed(request: Request, error: unknown): Response {
  log('error', 'redirector.failed', { error: String(error) });
  return unavailableResponse(request, RETRY_AFTER_SECONDS);
}

/** The code of `/<code>` (trailing slashes ignored), when the path is exactly that and a valid code. */
function plainCode(url: string): string | null {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  if (pathStart === -1) return null;
  const query = url.indexOf('?', pathStart);
  let end = query === -1 ? url.length : query;
  while (end > pathStart + 1 && url.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const code = url.slice(pathStart + 1, end);
  // Anything else (encoded, nested, fragments, empty) goes to the router, which answers it as before.
  return CODE_PATTERN.test(code) ? code : null;
}

/** What the handler derives from an env: parsed once per env object (one per isolate), not per request. */
interface Settings {
  maxAge: number;
  flushMs: number;
  authority: (code: string) => Remote<LinkAuthorityReader> | undefined;
  sinks: ClickSinks;
}
const settingsByEnv = new WeakMap<RedirectorEnv, Settings>();

function settingsOf(env: RedirectorEnv): Settings {
  let settings = settingsByEnv.get(env);
  if (settings === undefined) {
    const authority = authorityOf(env);
    settings = { maxAge: defaultMaxAge(env), flushMs: clickFlushMs(env), authority, sinks: { analytics: env.CLICKS, authority } };
    settingsByEnv.set(env, settings);
  }
  return settings;
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
