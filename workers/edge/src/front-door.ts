/**
 * The front door: humans go to assets untouched; bots get a snapshot for page navigations and a
 * pass-through (`BYPASS`) for everything else. Every bot response carries `X-Prerender`.
 */
import { classifyBot, type BotSignals } from '../../../shared/bots/classify.ts';
import { errorToResponse } from '../../../shared/http/errors.ts';
import { log } from '../../../shared/log.ts';
import { RENDER_REQUEST_HEADER, RENDER_REQUEST_VALUE } from '../../../shared/render/protocol.ts';
import { sitePage } from './cache-key.ts';
import { edgeState } from './deps.ts';
import { serveBot } from './prerender.ts';
import { decideRoute } from './route.ts';
import { withPrerenderState } from './snapshot.ts';

export async function frontDoor(request: Request, env: EdgeEnv, ctx: Pick<ExecutionContext, 'waitUntil'>): Promise<Response> {
  const userAgent = request.headers.get('User-Agent');
  let bot = classifyBot({ userAgent });
  // Humans get the SPA after one classification and nothing else: no config, no `request.cf`
  // (a verified bot with a browser-like UA is served as a human, the SPA it asked for).
  if (!bot.bot) return env.ASSETS_SERVICE.fetch(request);
  // Our renderer's browser (a headless UA) loads our pages like a human: never a snapshot (no loop).
  const isRenderRequest = request.headers.get(RENDER_REQUEST_HEADER) === RENDER_REQUEST_VALUE;
  if (isRenderRequest) return env.ASSETS_SERVICE.fetch(request);

  try {
    const state = edgeState(env);
    // Cloudflare's verified-bot signals decide who may render; read them only when that is checked.
    if (state.config.verifyBots) bot = classifyBot({ userAgent, cf: request.cf as BotSignals | undefined });
    // `request.url` carries the origin the request was routed by; only the listed origins count.
    const page = sitePage(new URL(request.url), state.config);
    const route = decideRoute(
      { method: request.method, pathname: page?.pathname ?? '', isRenderRequest, onSite: page !== null },
      bot,
      state.config,
    );
    switch (route.kind) {
      case 'human':
        return env.ASSETS_SERVICE.fetch(request);
      case 'bypass':
        return withPrerenderState(await env.ASSETS_SERVICE.fetch(request), 'BYPASS');
      case 'prerender':
        return await serveBot(request, page!.url, userAgent, bot, route.mayRender, {
          ...state,
          waitUntil: (promise) => ctx.waitUntil(promise),
        });
    }
  } catch (error) {
    // A bug or an outage on a bot's path (bad config, storage down): still the SPA if possible,
    // and still marked, so the contract "every bot response carries X-Prerender" holds.
    log('error', 'prerender.bot_path_failed', { url: request.url, message: String(error) });
    const response = await env.ASSETS_SERVICE.fetch(request).catch(() => errorToResponse(error));
    return withPrerenderState(response, 'FALLBACK');
  }
}
