/**
 * What a snapshot is keyed by: the normalised URL of one of the site's own origins plus the device
 * class. Pure functions; `Host` and `X-Forwarded-Host` are never read, so a request cannot make the
 * edge render or cache a page of another site (no SSRF, no cache poisoning).
 */
export type Device = 'mobile' | 'desktop';

/**
 * Query parameters that identify a click, not a page (Google, Microsoft, Meta, Mailchimp, Yandex,
 * TikTok, Twitter, HubSpot, Matomo/Piwik campaigns). Removing them keeps one snapshot per page.
 */
const TRACKING_PARAMS = new Set([
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'fbclid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'igshid',
  'li_fat_id',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  'srsltid',
  'ref_src',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_'];

function isTracking(name: string): boolean {
  const lower = name.toLowerCase();
  return TRACKING_PARAMS.has(lower) || TRACKING_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * The canonical form of a page URL: lower-case scheme and host and no default port (WHATWG URL
 * parsing does those), fragment dropped (never sent to a server, RFC 3986 §3.5), tracking
 * parameters removed, the rest sorted by name (stable, so repeated names keep their order).
 */
export function normaliseUrl(url: URL): string {
  // The common case, a page without a query: nothing to remove or sort, no second URL to build.
  // (`href`, not `search`/`hash`: those are '' for a bare `?` or `#`, which still must go.)
  const href = url.href;
  if (!href.includes('?') && !href.includes('#')) return href;
  const out = new URL(href);
  out.hash = '';
  const params = new URLSearchParams();
  for (const [name, value] of out.searchParams) if (!isTracking(name)) params.append(name, value);
  params.sort();
  out.search = params.size ? `?${params}` : '';
  return out.href;
}

/**
 * Mobile when the UA says `Mobi` (MDN's advice: https://developer.mozilla.org/docs/Web/HTTP/Browser_detection_using_the_user_agent#mobile_device_detection)
 * or is an iPhone/iPod; Googlebot Smartphone says `Mobile Safari`. Everything else is desktop.
 */
export function deviceClass(userAgent: string | null): Device {
  return /Mobi|iPhone|iPod/i.test(userAgent ?? '') ? 'mobile' : 'desktop';
}

/**
 * The site URL a request stands for, or null when its origin is not one of ours. `request.url`
 * carries the host the request was routed by; it is accepted only if it is listed verbatim.
 */
export function siteUrl(requestUrl: string, siteOrigins: readonly string[]): URL | null {
  const url = URL.parse(requestUrl);
  if (!url || !siteOrigins.includes(url.origin)) return null;
  return url;
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

/** `cacheKey` without a promise for the usual URL short enough to key plainly; null when it must be hashed. */
export function plainCacheKey(normalisedUrl: string, device: Device): CacheKey | null {
  const index = `${INDEX_PREFIX}${device}:${normalisedUrl}`;
  return utf8Length(index) <= MAX_PLAIN_KEY ? { device, url: normalisedUrl, index } : null;
}

/** UTF-8 byte length without encoding (this runs on every crawler request). */
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
