/**
 * Which URLs the renderer may load. The renderer runs a real browser on the server side, so every
 * URL it is asked for, and every request the page then makes, is a potential SSRF: only the site's
 * own origins may be rendered, and a page may only reach those plus an explicit allowlist (its APIs).
 */
import { canonicalUrl, parseOriginList, parseSiteOrigins, type SiteOrigins } from '../../../shared/render/site.ts';

/** Origins as `URL.origin` strings (`scheme://host[:port]`, default ports dropped, host lower-cased). */
export interface OriginPolicy {
  /** The site's origins (`SITE_ORIGINS`): pages are rendered on the canonical one; requests to any carry the render-request header. */
  site: SiteOrigins;
  /** Further origins a rendered page may fetch from (e.g. the feed API); no render-request header. */
  allowedOrigins: ReadonlySet<string>;
}

export type TargetVerdict = { ok: true; url: URL } | { ok: false; status: 400 | 403; code: string; message: string };

const HTTP_SCHEMES = new Set(['http:', 'https:']);

/** Throws a `ConfigError` naming the var on a malformed origin, or on an empty `SITE_ORIGINS`. */
export function originPolicy(siteOrigins: string | undefined, allowedOrigins: string | undefined): OriginPolicy {
  return {
    site: parseSiteOrigins(siteOrigins),
    allowedOrigins: new Set(parseOriginList(allowedOrigins, 'RENDER_ALLOWED_ORIGINS')),
  };
}

/**
 * May the renderer be asked to render `raw`? Bad input is 400, a well-formed URL of another site
 * 403. A page on any of the site's origins is rendered on the canonical one, without its fragment.
 */
export function checkRenderTarget(raw: string, policy: OriginPolicy): TargetVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, status: 400, code: 'invalid_url', message: 'url must be an absolute URL' };
  }
  if (!HTTP_SCHEMES.has(url.protocol)) {
    return { ok: false, status: 400, code: 'invalid_url', message: 'url must use http or https' };
  }
  // Userinfo is deprecated in http(s) URLs (RFC 9110 §4.2.4) and a classic way to disguise a host.
  if (url.username || url.password) {
    return { ok: false, status: 400, code: 'invalid_url', message: 'url must not contain credentials' };
  }
  const page = canonicalUrl(url, policy.site);
  if (!page) {
    return { ok: false, status: 403, code: 'origin_not_allowed', message: `origin ${url.origin} is not one of this site's origins` };
  }
  page.hash = '';
  return { ok: true, url: page };
}

/** What the page's request interception does with one request. */
export type RequestDecision =
  | { action: 'continue'; marker: boolean }
  | { action: 'abort'; reason: 'scheme' | 'credentials' | 'resource-type' | 'origin' }
  | { action: 'stop-redirect' };

export interface PageRequest {
  url: string;
  /** Puppeteer's resource type: document, script, xhr, fetch, image, font, ... */
  resourceType: string;
  /** A navigation of the top-level frame (the page itself or a redirect of it). */
  isMainFrameNavigation: boolean;
  /** The request follows a redirect. */
  isRedirect: boolean;
}

/**
 * Resource types that never change the HTML a crawler gets, only the time a render takes.
 * Stylesheets stay: scripts may read computed styles, and their size is small next to images.
 */
export const BLOCKED_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'image',
  'media',
  'font',
  'texttrack',
  'manifest',
  'ping',
  'prefetch',
  'cspviolationreport',
]);

// Schemes that never leave the browser process.
const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'about:']);

export function decideRequest(request: PageRequest, policy: OriginPolicy): RequestDecision {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { action: 'abort', reason: 'scheme' };
  }
  if (LOCAL_SCHEMES.has(url.protocol)) {
    return BLOCKED_RESOURCE_TYPES.has(request.resourceType)
      ? { action: 'abort', reason: 'resource-type' }
      : { action: 'continue', marker: false };
  }
  if (!HTTP_SCHEMES.has(url.protocol)) return { action: 'abort', reason: 'scheme' };
  if (url.username || url.password) return { action: 'abort', reason: 'credentials' };
  // The page's own server redirected it: report that redirect to the caller as the page's answer
  // (as prerender does by default) instead of following it, wherever it points.
  if (request.isMainFrameNavigation && request.isRedirect) return { action: 'stop-redirect' };
  if (BLOCKED_RESOURCE_TYPES.has(request.resourceType)) return { action: 'abort', reason: 'resource-type' };
  if (policy.site.all.has(url.origin)) return { action: 'continue', marker: true };
  if (policy.allowedOrigins.has(url.origin)) return { action: 'continue', marker: false };
  return { action: 'abort', reason: 'origin' };
}
