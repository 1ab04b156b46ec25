/**
 * The site's origins, as `SITE_ORIGINS` lists them for the edge and the renderer: every origin the
 * site answers on (`https://www.example.com`; locally `localhost`, `127.0.0.1` and `[::1]`), the
 * first being canonical. A request on any listed origin is the same site: cache keys, renders and
 * same-site checks use the canonical origin. An unlisted origin is never rendered or cached, and
 * the origin comes from the URL the request was routed by, never from `Host` or `X-Forwarded-Host`.
 */
import { ConfigError, listVar } from '../config.ts';

export interface SiteOrigins {
  /** The first listed origin: the one pages are keyed and rendered on. */
  canonical: string;
  /** Every listed origin, canonical included, as `URL.origin` strings. */
  all: ReadonlySet<string>;
}

/**
 * Comma-separated http(s) origins, compared after URL parsing (`HTTP://LocalHost:8787/` is
 * `http://localhost:8787`); a malformed entry is a `ConfigError` naming `variable`.
 */
export function parseOriginList(value: string | undefined, variable: string): string[] {
  return listVar(value).map((raw) => {
    const url = URL.parse(raw);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new ConfigError(variable, `"${raw}" is not an http(s) origin`);
    return url.origin;
  });
}

export function parseSiteOrigins(value: string | undefined, variable = 'SITE_ORIGINS'): SiteOrigins {
  const origins = parseOriginList(value, variable);
  if (origins.length === 0) throw new ConfigError(variable, 'at least one origin is required');
  return { canonical: origins[0]!, all: new Set(origins) };
}

/** `url` on the canonical origin when its origin is listed; null for any other origin. */
export function canonicalUrl(url: URL, site: SiteOrigins): URL | null {
  if (url.origin === site.canonical) return url;
  if (!site.all.has(url.origin)) return null;
  // Concatenated, never resolved as a reference: a path such as `//evil.example/x` would be read as
  // another host.
  return new URL(`${site.canonical}${url.pathname}${url.search}${url.hash}`);
}

/** An absolute URL of the site (any listed origin), on the canonical origin; null otherwise. */
export function siteUrl(value: string, site: SiteOrigins, base?: string): URL | null {
  const url = URL.parse(value, base);
  return url ? canonicalUrl(url, site) : null;
}
