/**
 * Sitemap parsing (https://www.sitemaps.org/protocol.html): the `<loc>` of each `<url>` or, for a
 * sitemap index, of each `<sitemap>`. A regex is enough for this flat, namespace-free format; XML
 * character entities are decoded because `&` in a URL must be written `&amp;`.
 */
export interface Sitemap {
  kind: 'urlset' | 'index';
  locs: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseSitemap(xml: string): Sitemap {
  const kind = /<sitemapindex[\s>]/.test(xml) ? 'index' : 'urlset';
  const locs = [...xml.matchAll(/<loc>\s*([^<]*?)\s*<\/loc>/g)].map((m) =>
    m[1]!.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!),
  );
  return { kind, locs };
}
