/**
 * The front door. People get the SPA from assets untouched; crawlers and agents are identified by
 * evidence (identity/), and get what their category's policy says: a prerendered page, the SPA
 * (`BYPASS`), or a 403. Anyone asking for Markdown gets the page's Markdown. `/robots.txt` is the
 * policy's. Every response to a crawler or agent carries `X-Prerender`; a person's never does.
 */
import { classifyBot, type BotSignals } from '../../../shared/bots/classify.ts';
import { errorToResponse, HttpError } from '../../../shared/http/errors.ts';
import { log } from '../../../shared/log.ts';
import { RENDER_REQUEST_HEADER, RENDER_REQUEST_VALUE } from '../../../shared/render/protocol.ts';
import { sitePage } from './cache-key.ts';
import { edgeState, type EdgeState } from './deps.ts';
import { identify, PERSON, type Identity } from './identity/identify.ts';
import { inPublishedRanges } from './identity/ip-ranges.ts';
import { isSigned, verifySignature, type SignatureVerdict } from './identity/web-bot-auth.ts';
import { prefersMarkdown } from './markdown.ts';
import { servePage } from './prerender.ts';
import { robotsResponse } from './robots-route.ts';
import { decideRoute, pathIs } from './route.ts';
import { withPrerenderState } from './snapshot.ts';

type Ctx = Pick<ExecutionContext, 'waitUntil'>;

export async function frontDoor(request: Request, env: EdgeEnv, ctx: Ctx): Promise<Response> {
  const userAgent = request.headers.get('User-Agent');
  const byUserAgent = classifyBot({ userAgent });
  const signed = isSigned(request.headers);
  const markdown = prefersMarkdown(request.headers.get('Accept'));
  // People asking for HTML get the SPA after one classification and three header reads: no config,
  // no `request.cf`, no signature work (a verified bot with a browser-like UA and no signature is
  // served as a person, the SPA it asked for).
  if (!byUserAgent.bot && !signed && !markdown && !pathIs(request.url, '/robots.txt')) return env.ASSETS_SERVICE.fetch(request);
  // Our renderer's browser (a headless UA) loads our pages like a person: never a snapshot (no loop).
  if (request.headers.get(RENDER_REQUEST_HEADER) === RENDER_REQUEST_VALUE) return env.ASSETS_SERVICE.fetch(request);

  let identity: Identity = byUserAgent.bot ? { ...PERSON, bot: true, category: byUserAgent.category, name: byUserAgent.name } : PERSON;
  try {
    const state = edgeState(env);
    identity = await identityOf(request, userAgent, byUserAgent, signed, state, ctx);
    if (pathIs(request.url, '/robots.txt')) return await robotsResponse(request, identity, state);
    // `request.url` carries the origin the request was routed by; only the listed origins count.
    const page = sitePage(new URL(request.url), state.config);
    const route = decideRoute(
      { method: request.method, pathname: page?.pathname ?? '', onSite: page !== null, markdown },
      identity,
      state.config,
    );
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
    switch (route.kind) {
      case 'human':
        return env.ASSETS_SERVICE.fetch(request);
      case 'bypass':
        state.events.countAnswer(identity, 'BYPASS', false, waitUntil);
        return withPrerenderState(await env.ASSETS_SERVICE.fetch(request), 'BYPASS');
      case 'refuse':
        state.events.countAnswer(identity, 'BYPASS', false, waitUntil);
        state.events.count(identity.category ?? 'other', 'refused', 1, waitUntil);
        return withPrerenderState(refused(identity, state), 'BYPASS');
      case 'prerender':
        return await servePage(request, page!.url, identity, route, { ...state, waitUntil });
    }
  } catch (error) {
    // A bug or an outage on a bot's path (bad config, storage down): still the SPA if possible,
    // and still marked, so the contract "every bot response carries X-Prerender" holds.
    log('error', 'prerender.bot_path_failed', { url: request.url, message: String(error) });
    const response = await env.ASSETS_SERVICE.fetch(request).catch(() => errorToResponse(error));
    return identity.bot ? withPrerenderState(response, 'FALLBACK') : response;
  }
}

/**
 * The evidence, strongest first: the signature (verified only for signed requests: the CPU and
 * the directory fetch are theirs alone), Cloudflare's signals and the published IP ranges (read
 * only when verification is on, and only for crawlers).
 */
async function identityOf(
  request: Request,
  userAgent: string | null,
  byUserAgent: ReturnType<typeof classifyBot>,
  signed: boolean,
  state: EdgeState,
  ctx: Ctx,
): Promise<Identity> {
  const { config } = state;
  let signature: SignatureVerdict | null = null;
  if (signed) {
    signature = await verifySignature(request, {
      directories: state.directories,
      nonces: state.nonces,
      memo: state.signatures,
      allowLocalDirectories: config.allowLocalDirectories,
    });
    // A rejection is logged with its reason; an accepted signature is counted (`evidence:signature`)
    // rather than logged on every request, and its directory fetch is logged once (key-directory.ts).
    if (!signature.ok) {
      log('warn', 'identity.signature_rejected', { url: request.url, reason: signature.reason, userAgent });
      state.events.count(byUserAgent.category ?? 'person', `signature:${signature.reason}`, 1, (p) => ctx.waitUntil(p));
    }
  }
  const checkCf = config.verifyBots && byUserAgent.bot && !signature?.ok;
  const cf = checkCf ? ((request.cf as BotSignals | undefined) ?? {}) : null;
  const inRanges =
    checkCf && config.ipRangeSources.size > 0
      ? inPublishedRanges(byUserAgent.name, request.headers.get('CF-Connecting-IP'), {
          cache: state.ipRanges,
          sources: config.ipRangeSources,
          waitUntil: (p) => ctx.waitUntil(p),
        })
      : null;
  return identify({ byUserAgent, userAgent, signature, cf, inPublishedRanges: inRanges });
}

/** 403 for a refused category, naming the policy and where it is published. */
function refused(identity: Identity, state: EdgeState): Response {
  const response = new HttpError(
    403,
    'refused_by_policy',
    `${identity.category} crawlers are not served by this site (see /robots.txt)`,
  ).toResponse();
  response.headers.set('Content-Signal', state.config.policy[identity.category ?? 'other'].contentSignal);
  return response;
}
