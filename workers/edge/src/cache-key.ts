/**
 * What a snapshot is keyed by: the page a URL stands for (its normalised spelling on the site's
 * canonical origin) plus the device class. Pure functions. The origin is the one the request was
 * routed by and must be listed in `SITE_ORIGINS`; `Host` and `X-Forwarded-Host` are never read,
 * so a request cannot make the edge render or cache a page of another site (no SSRF, no cache
 * poisoning).
 */
import type { Device } from '../../../shared/render/protocol.ts';
import { canonicalUrl, type SiteOrigins } from '../../../shared/render/site.ts';
import type { EdgeConfig } from './config.ts';

export type PageRules = Pick<EdgeConfig, 'site' | 'queryParams'>;

/** A page of the site: the normalised absolute URL, and its path (what the route is decided on). */
export interface Page {
  url: string;
  pathname: string;
}

// RFC 3986 §2.3: unreserved characters mean the same percent-encoded or not (§6.2.2.2).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;

function normaliseEscape(escape: string): string {
  const char = String.fromCharCode(parseInt(escape.slice(1), 16));
  // RFC 3986 §6.2.2.1: the hex digits of the escapes that stay are upper case.
  return UNRESERVED.test(char) ? char : escape.toUpperCase();
}

/**
 * The spelling of a path the site treats as the same page. WHATWG URL parsing has already resolved
 * dot segments (`/a/./b`, `/a/x/../b`, and their `%2e` spellings). On top of that: percent-encoded
 * unreserved characters are decoded (`/article/%32` is `/article/2`), the remaining escapes
 * upper-cased, and trailing slashes dropped (`/article/2/`), as SPA routers match paths. Duplicate
 * slashes inside a path are kept: a router matching `/article/:id` does not match `/article//2`,
 * so that URL is another page (the site's not-found view), not a spelling of this one.
 */
export function normalisePath(pathname: string, { keepTrailingSlash = false } = {}): string {
  let path = pathname.includes('%') ? pathname.replace(PERCENT_ESCAPE, normaliseEscape) : pathname;
  if (!keepTrailingSlash && path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '') || '/';
  return path;
}

/**
 * The query that selects the page: only the parameters in `queryParams` (`CACHE_QUERY_PARAMS`),
 * sorted by name (a stable sort keeps repeated names in their order), re-encoded by URLSearchParams
 * (so `%32` and `2`, `%20` and `+` are one spelling). Everything else is dropped.
 */
function pageQuery(url: URL, queryParams: ReadonlySet<string>): string {
  if (url.search === '' || queryParams.size === 0) return '';
  const params = new URLSearchParams();
  for (const [name, value] of url.searchParams) if (queryParams.has(name)) params.append(name, value);
  if (params.size === 0) return '';
  params.sort();
  return `?${params}`;
}

/**
 * The page `url` stands for, or null when its origin is not one of the site's. The fragment is
 * dropped (never sent to a server, RFC 3986 §3.5), the origin becomes the canonical one.
 */
export function sitePage(url: URL, rules: PageRules): Page | null {
  if (url.origin !== rules.site.canonical && !rules.site.all.has(url.origin)) return null;
  const pathname = normalisePath(url.pathname);
  return { url: `${rules.site.canonical}${pathname}${pageQuery(url, rules.queryParams)}`, pathname };
}

/** The normalised URL of an absolute URL of the site, or null. */
export function pageUrl(url: URL, rules: PageRules): string | null {
  return sitePage(url, rules)?.url ?? null;
}

/** A URL prefix, normalised as page URLs are but keeping its trailing slash (`/article/`) and no query. */
export function prefixUrl(url: URL, site: SiteOrigins): string | null {
  const canonical = canonicalUrl(url, site);
  return canonical && `${canonical.origin}${normalisePath(canonical.pathname, { keepTrailingSlash: true })}`;
}

/**
 * Mobile when the UA says `Mobi` (MDN's advice)
 * or is an iPhone/iPod; Googlebot Smartphone says `Mobile Safari`. Everything else is desktop.
 */
export function deviceClass(userAgent: string | null): Device {
  return /Mobi|iPhone|iPod/i.test(userAgent ?? '') ? 'mobile' : 'desktop';
}

// KV keys are at most 512 bytes; longer URLs are stored under a hash (then not purgeable by prefix).
const MAX_PLAIN_KEY = 480;

export interface CacheKey {
  device: Device;
  url: string;
  /** KV key of the index entry. */
  index: string;
}

export const INDEX_PREFIX = 'snap:';

export async function cacheKey(normalisedUrl: string, device: Device): Promise<CacheKey> {
  return (
    plainCacheKey(normalisedUrl, device) ?? {
      device,
      url: normalisedUrl,
      index: `${INDEX_PREFIX}${device}:#${await sha256Hex(normalisedUrl)}`,
    }
  );
}

/** `cacheKey` without a promise, for a URL short enough to key plainly; null when it must be hashed. */
export function plainCacheKey(normalisedUrl: string, device: Device): CacheKey | null {
  const index = `${INDEX_PREFIX}${device}:${normalisedUrl}`;
  return utf8Length(index) <= MAX_PLAIN_KEY ? { device, url: normalisedUrl, index } : null;
}

/** UTF-8 byte length of a string, counted without encoding it. */
function utf8Length(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2; // 3 bytes (a lone surrogate encodes as U+FFFD, also 3)
  }
  return bytes;
}

const encoder = new TextEncoder();

export async function sha256Hex(value: string | ArrayBuffer): Promise<string> {
  const data = typeof value === 'string' ? encoder.encode(value) : value;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
