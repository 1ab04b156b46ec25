/**
 * The front door: humans go to assets untouched; bots get a snapshot for page navigations and a
 * pass-through (`BYPASS`) for everything else. Every bot response carries `X-Prerender`.
 */
import { classifyBot, type BotSignals } from '../../../shared/bots/classify.ts';
import { errorToResponse } from '../../../shared/http/errors.ts';
import { log } from '../../../shared/log.ts';
import { frontDoorDepsOf } from './deps.ts';
import { serveBot } from './prerender.ts';
import { RENDER_REQUEST_HEADER, decideRoute } from './route.ts';
import { withPrerenderState } from './snapshot.ts';

export async function frontDoor(request: Request, env: EdgeEnv, ctx: Pick<ExecutionContext, 'waitUntil'>): Promise<Response> {
  const userAgent = request.headers.get('User-Agent');
  let bot = classifyBot({ userAgent });
  // Humans pay one isbot test and nothing else: not even `request.cf`, which is parsed on first
  // access (a verified bot with a browser-like UA is served as a human, the SPA it asked for).
  if (!bot.bot) return env.ASSETS_SERVICE.fetch(request);
  // Our renderer's browser (a headless UA) loads our pages like a human: never a snapshot (no loop).
  const isRenderRequest = request.headers.get(RENDER_REQUEST_HEADER) === '1';
  if (isRenderRequest) return env.ASSETS_SERVICE.fetch(request);

  try {
    const deps = frontDoorDepsOf(env);
    // Cloudflare's verified-bot signals decide who may render; read them only when that is checked.
    if (deps.config.verifyBots) bot = classifyBot({ userAgent, cf: request.cf as BotSignals | undefined });
    const url = new URL(request.url);
    // `request.url` carries the host the request was routed by; only our listed origins count.
    const onSite = deps.config.siteOrigins.includes(url.origin);
    const route = decideRoute({ method: request.method, url, isRenderRequest, onSite }, bot, deps.config);
    switch (route.kind) {
      case 'human':
        return env.ASSETS_SERVICE.fetch(request);
      case 'bypass':
        return withPrerenderState(await env.ASSETS_SERVICE.fetch(request), 'BYPASS');
      case 'prerender':
        return await serveBot(request, url, userAgent, bot, route.mayRender, {
          ...deps,
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
