/**
 * Where a request goes: one pure decision from the method, URL, the requester's identity and the
 * purpose policy.
 */
import type { EdgeConfig } from './config.ts';
import type { Identity } from './identity/identify.ts';

export type Format = 'html' | 'markdown';

export type Route =
  /** To assets untouched, no X-Prerender header. */
  | { kind: 'human' }
  /** A bot request that is not a page navigation (a file, an API call), or a pass-through category: to assets, `BYPASS`. */
  | { kind: 'bypass'; reason: string }
  /** A refused category: 403 (`BYPASS`), on every path but /robots.txt. */
  | { kind: 'refuse'; reason: string }
  /** A page from the snapshot cache, as HTML or Markdown, with or without the right to trigger a render. */
  | { kind: 'prerender'; format: Format; mayRender: boolean; reason: string };

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
 * on one of the site's origins; `markdown` whether its Accept prefers Markdown (markdown.ts).
 *
 * People get the SPA, except when they ask for Markdown: then the page's Markdown, rendered on a
 * miss as the `other` category would be. Crawlers and agents get what their category's policy
 * says; a render needs the `render` action, verification where it is required, and no signature
 * that failed to verify.
 */
export function decideRoute(
  request: { method: string; pathname: string; onSite: boolean; markdown: boolean },
  identity: Identity,
  config: Pick<EdgeConfig, 'policy' | 'verifyBots' | 'verifyCategories'>,
): Route {
  const navigation = request.onSite && isHtmlNavigation(request.method, request.pathname);
  if (!identity.bot || identity.category === null) {
    if (!request.markdown || !navigation) return { kind: 'human' };
    const mayRender = config.policy.other.action === 'render' && !identity.signatureRejected;
    return { kind: 'prerender', format: 'markdown', mayRender, reason: 'person-markdown' };
  }
  if (!request.onSite) return { kind: 'bypass', reason: 'not-site-origin' };
  const category = identity.category;
  const { action } = config.policy[category];
  if (action === 'refuse') return { kind: 'refuse', reason: `${category}-refused` };
  if (!navigation) return { kind: 'bypass', reason: 'not-navigation' };
  const format: Format = request.markdown ? 'markdown' : 'html';
  if (action === 'pass-through' && format === 'html') return { kind: 'bypass', reason: 'pass-through-category' };
  if (action !== 'render') return { kind: 'prerender', format, mayRender: false, reason: `${action}-category` };
  if (identity.signatureRejected) return { kind: 'prerender', format, mayRender: false, reason: 'signature-rejected' };
  if (config.verifyBots && config.verifyCategories.has(category) && !identity.verified) {
    return { kind: 'prerender', format, mayRender: false, reason: 'unverified' };
  }
  return { kind: 'prerender', format, mayRender: true, reason: 'render-category' };
}

/** Whether `url`'s path is exactly `path` (a query may follow), read from the string as `pathStartsWith` does. */
export function pathIs(url: string, path: string): boolean {
  const at = url.indexOf('/', url.indexOf('//') + 2);
  if (at === -1 || !url.startsWith(path, at)) return false;
  const next = url[at + path.length];
  return next === undefined || next === '?' || next === '#';
}
