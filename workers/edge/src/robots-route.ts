/**
 * `GET /robots.txt`: the purpose policy's robots.txt (robots.ts), merged with the SPA's own file
 * from assets, built at most once a minute per isolate. Served to everyone; a crawler's copy
 * carries `X-Prerender: BYPASS` as every crawler answer does.
 */
import { tokensByCategory, categoryOfToken } from '../../../shared/bots/tokens.ts';
import { log } from '../../../shared/log.ts';
import type { EdgeState } from './deps.ts';
import type { Identity } from './identity/identify.ts';
import { robotsTxt } from './robots.ts';
import { withPrerenderState } from './snapshot.ts';

const ROBOTS_KEY = 'robots.txt';
/** A robots.txt larger than this is not the SPA's (RFC 9309 §2.5 asks crawlers to read at least 500 KiB). */
const MAX_SPA_ROBOTS = 500 * 1024;

export async function robotsResponse(request: Request, identity: Identity, state: EdgeState): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const response = new Response(null, { status: 405, headers: { Allow: 'GET, HEAD' } });
    return identity.bot ? withPrerenderState(response, 'BYPASS') : response;
  }
  let text = state.robots.get(ROBOTS_KEY);
  if (text === undefined) {
    text = robotsTxt(await spaRobots(state), state.config.policy, tokensByCategory(), categoryOfToken);
    state.robots.set(ROBOTS_KEY, text);
  }
  const response = new Response(request.method === 'HEAD' ? null : text, {
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
  });
  return identity.bot ? withPrerenderState(response, 'BYPASS') : response;
}

/** The SPA's own robots.txt, or null when it has none (or assets cannot say). */
async function spaRobots(state: EdgeState): Promise<string | null> {
  const url = new URL('/robots.txt', state.config.site.canonical);
  try {
    const response = await state.assets.fetch(url, { headers: { Accept: 'text/plain' } });
    const text = response.ok ? await response.text() : null;
    return text !== null && text.length <= MAX_SPA_ROBOTS ? text : null;
  } catch (error) {
    log('warn', 'robots.spa_unavailable', { message: String(error) });
    return null;
  }
}
