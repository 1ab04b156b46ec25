/**
 * Where a request goes: one pure decision from the method, URL, headers and bot classification.
 */
import type { BotClassification } from '../../../shared/bots/classify.ts';
import type { EdgeConfig } from './config.ts';

export type Route =
  /** To assets untouched, no X-Prerender header. */
  | { kind: 'human' }
  /** A bot request that is not a page navigation (a file, an API call): to assets, `BYPASS`. */
  | { kind: 'bypass'; reason: string }
  /** A bot navigation: the snapshot cache, with or without the right to trigger a render. */
  | { kind: 'prerender'; mayRender: boolean; reason: string };

/**
 * A page navigation as a crawler makes it: GET or HEAD of a path without a file extension, outside
 * the well-known URIs (RFC 8615) and the API. `/article/1` is a page; `/assets/app.3f9a.js`,
 * `/robots.txt` and `/api/feed` are not.
 */
export function isHtmlNavigation(method: string, pathname: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (pathname.startsWith('/.well-known/') || pathname === '/api' || pathname.startsWith('/api/')) return false;
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return !/\.[A-Za-z0-9]{1,8}$/.test(last);
}

/**
 * `new URL(url).pathname.startsWith(prefix)` on a string: `request.url` is already a serialised
 * absolute URL (WHATWG), so its path starts at the first `/` after `//` (the authority cannot hold
 * one) and the prefix, holding no `?` or `#`, cannot run into the query.
 */
export function pathStartsWith(url: string, prefix: string): boolean {
  const path = url.indexOf('/', url.indexOf('//') + 2);
  return path !== -1 && url.startsWith(prefix, path);
}

/**
 * `pathname` is the page's normalised path (cache-key.ts); `onSite` says whether the request came
 * on one of the site's origins.
 */
export function decideRoute(
  request: { method: string; pathname: string; isRenderRequest: boolean; onSite: boolean },
  bot: BotClassification,
  config: Pick<EdgeConfig, 'renderCategories' | 'cacheOnlyCategories' | 'verifyBots' | 'verifyCategories'>,
): Route {
  // The renderer loads our pages like a browser: serving it a snapshot would render a snapshot.
  if (request.isRenderRequest || !bot.bot || bot.category === null) return { kind: 'human' };
  if (!request.onSite) return { kind: 'bypass', reason: 'not-site-origin' };
  if (!isHtmlNavigation(request.method, request.pathname)) return { kind: 'bypass', reason: 'not-navigation' };
  const category = bot.category;
  if (config.renderCategories.has(category)) {
    if (config.verifyBots && config.verifyCategories.has(category) && !bot.verified) {
      return { kind: 'prerender', mayRender: false, reason: 'unverified' };
    }
    return { kind: 'prerender', mayRender: true, reason: 'render-category' };
  }
  if (config.cacheOnlyCategories.has(category)) return { kind: 'prerender', mayRender: false, reason: 'cache-only-category' };
  return { kind: 'bypass', reason: 'category-not-prerendered' };
}
