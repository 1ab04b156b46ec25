/**
 * The redirector: GET/HEAD `/<code>`, and the app association files under `/.well-known/`. The path
 * that carries the traffic, `GET` or `HEAD` of a plain code, is dispatched before the router (see
 * `handle`); everything else (other methods, paths that cannot be a code) goes through itty-router.
 */
import type { IRequest } from 'itty-router';
import { IttyRouter } from 'itty-router/IttyRouter';
import { ConfigError } from '../../../shared/config.ts';
import { errorToResponse } from '../../../shared/http/errors.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { goneReason, type LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import { classifyClick, isCardAgent, refererHost } from './classify.ts';
import type { Env } from './env.ts';
import { freshRecord, resolveLink } from './resolve.ts';
import {
  destinationOf,
  goneResponse,
  methodNotAllowedResponse,
  notFoundResponse,
  previewResponse,
  redirectResponse,
  unavailableResponse,
} from './respond.ts';
import { redirectorState, type RedirectorState } from './state.ts';

/** How long a client should wait when neither KV nor the authority answered. */
const RETRY_AFTER_SECONDS = 5;

type Args = [env: Env, ctx: ExecutionContext];

export const router = IttyRouter<IRequest, Args>();
router.get('/.well-known/apple-app-site-association', (_request, env) => wellKnown(redirectorState(env).wellKnown.appleAppSiteAssociation));
router.get('/.well-known/assetlinks.json', (_request, env) => wellKnown(redirectorState(env).wellKnown.assetLinks));
router.get('/:code', routedRedirect);
router.head('/:code', routedRedirect);
router.all('/:code', () => methodNotAllowedResponse());
router.all('*', (request) => notFoundResponse(request));

/**
 * The worker's `fetch`, and the one boundary: whatever goes wrong, a client gets a 503 with
 * Retry-After, never a bare 500; a bad var is the JSON 500 `config_invalid` naming it.
 *
 * `GET` / `HEAD /<code>`, the route that carries the traffic, is answered here without the router,
 * which parses the URL, builds the query object and awaits each handler (the README's Performance
 * section has the measurements). The answer is the one the router's `/:code` route gives: the same
 * `redirect` and `answer` functions decide both, from the same code (the path segment, trailing
 * slashes ignored, not decoded), same checks and responses. A link this isolate read less than
 * FRESH_MS ago is answered synchronously, with no promise at all.
 */
export function handle(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') return routed(request, env, ctx);
  // Read once: every read of `request.url` converts the runtime's URL into a new string.
  const url = request.url;
  const code = plainCode(url);
  if (code === null) return routed(request, env, ctx);
  try {
    const now = Date.now();
    const state = redirectorState(env);
    const record = freshRecord(state, code, now);
    if (record !== undefined) return answer(request, method, searchOf(url), state, ctx, record, now);
    return redirect(request, code, env, ctx, now);
  } catch (error) {
    return failed(request, error);
  }
}

async function routed(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  try {
    return (await router.fetch(request, env, ctx)) ?? notFoundResponse(request);
  } catch (error) {
    return failed(request, error);
  }
}

function routedRedirect(request: IRequest, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const code = request.params.code ?? '';
  if (!CODE_PATTERN.test(code)) return notFoundResponse(request);
  return redirect(request, code, env, ctx, Date.now());
}

async function redirect(request: Request, code: string, env: Env, ctx: ExecutionContext, now: number): Promise<Response> {
  try {
    const state = redirectorState(env);
    const found = await resolveLink(code, { ...state, kv: env.LINKS }, now);
    if (found.kind === 'unknown') return notFoundResponse(request);
    if (found.kind === 'unavailable') return unavailableResponse(request, RETRY_AFTER_SECONDS);
    return answer(request, request.method, searchOf(request.url), state, ctx, found.record, now);
  } catch (error) {
    return failed(request, error);
  }
}

/**
 * The answer for a link that was found: 410 if it is gone; a preview bot the link's card if it has
 * one; else the redirect to the destination its rules pick. The click is counted in waitUntil.
 */
function answer(
  request: Request,
  method: string,
  search: string,
  state: RedirectorState,
  ctx: ExecutionContext,
  record: LinkRecord,
  now: number,
): Response {
  const gone = goneReason(record, now);
  if (gone !== null) return goneResponse(request, gone);
  const headers = request.headers;
  const kind = classifyClick(method, headers);
  const destination = destinationOf(record, { headers, search });
  const human = kind === 'human';
  const counting = state.clicks.record(
    {
      code: record.code,
      kind,
      referrer: human ? refererHost(headers.get('Referer')) : '',
      // The header, not `request.cf`, which the runtime builds on first access (README: Performance).
      country: human ? (headers.get('CF-IPCountry') ?? '') : '',
      qr: human && QR_SOURCE.test(search),
      client: headers.get('CF-Connecting-IP'),
    },
    now,
  );
  if (counting !== null) ctx.waitUntil(counting);
  if (kind === 'preview' && record.preview !== undefined && method === 'GET' && verifiedCardAgent(request, state.verifyBots)) {
    return previewResponse(record, destination.url);
  }
  return redirectResponse(record, destination, search, state.maxAge, now, state.headers);
}

/** The query a QR code of the link carries (the shortener's `GET /api/links/<code>/qr`). */
const QR_SOURCE = /[?&]utm_source=qr(?:&|$)/;

/**
 * A preview bot that may see the card: its User-Agent names one (scanners.ts), and with `VERIFY_BOTS`
 * on, where Cloudflare gives bot signals for the zone (`request.cf`, read only here), they vouch for
 * it. A browser never matches those names, so a person always gets the redirect; a spoofed bot gets
 * only the card the link's owner made public anyway. Off locally, where Miniflare's stand-in
 * `request.cf` calls every bot unverified.
 */
function verifiedCardAgent(request: Request, verifyBots: boolean): boolean {
  if (!isCardAgent(request.headers.get('User-Agent'))) return false;
  if (!verifyBots) return true;
  const cf = request.cf as { verifiedBotCategory?: string; botManagement?: { verifiedBot?: boolean } } | undefined;
  if (cf?.verifiedBotCategory === undefined && cf?.botManagement === undefined) return true;
  return (cf.verifiedBotCategory ?? '') !== '' || cf.botManagement?.verifiedBot === true;
}

/** An app association file: JSON, 200, never a redirect; 404 when the stage configures none. */
function wellKnown(document: string | null): Response {
  if (document === null)
    return Response.json(
      { error: { code: 'not_found', message: 'not configured' } },
      { status: 404, headers: { 'Cache-Control': 'no-store' } },
    );
  return new Response(document, { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' } });
}

function failed(request: Request, error: unknown): Response {
  if (error instanceof ConfigError) return errorToResponse(error);
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

/** The query string of a request URL (a request URL carries no fragment), without parsing it again. */
function searchOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
}
