/**
 * Sitemap parsing: the `<loc>` of each `<url>` or, for a
 * sitemap index, of each `<sitemap>`, and each one's `<lastmod>` (a page changed after its
 * snapshot was rendered is rendered again, whatever its age; a child sitemap changed since the last
 * look is read for its changed pages). A regex is enough for this flat, namespace-free format; XML
 * character entities are decoded because `&` in a URL must be written `&amp;`.
 */
export interface Sitemap {
  kind: 'urlset' | 'index';
  locs: string[];
  /** `<lastmod>` of each `<url>` (or `<sitemap>`) by its `<loc>`, in epoch ms (W3C datetime), where given and valid. */
  lastmod: Map<string, number>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseSitemap(xml: string): Sitemap {
  const kind = /<sitemapindex[\s>]/.test(xml) ? 'index' : 'urlset';
  const locs = [...xml.matchAll(/<loc>\s*([^<]*?)\s*<\/loc>/g)].map((m) => decode(m[1]!));
  const lastmod = new Map<string, number>();
  for (const [, block] of xml.matchAll(/<(?:url|sitemap)>([\s\S]*?)<\/(?:url|sitemap)>/g)) {
    const loc = /<loc>\s*([^<]*?)\s*<\/loc>/.exec(block!)?.[1];
    const when = Date.parse(/<lastmod>\s*([^<]*?)\s*<\/lastmod>/.exec(block!)?.[1] ?? '');
    if (loc !== undefined && Number.isFinite(when)) lastmod.set(decode(loc), when);
  }
  return { kind, locs, lastmod };
}

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
}
