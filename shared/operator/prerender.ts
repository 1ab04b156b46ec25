/**
 * The edge's operator API under `/__prerender/` (admin token, or the `OperatorApi` entrypoint):
 *   GET  /__prerender/stats?range=&bucket=   counts of answers and renders, per crawler category
 *   GET  /__prerender/snapshots?prefix=&cursor=&limit=   the snapshot inventory
 *   POST /__prerender/recache | purge | warm | refresh   (bodies and answers: the edge's OpenAPI document)
 *
 * The refresh pass counts its outcomes on the edge's event stream under the key `refresh` (dims
 * `checked`, `revalidated`, `rerendered`, `unchanged`, `failed`, beside its `render` and `browser_ms`),
 * so `categories` lists `refresh` with its renders, and `refresh` totals them over the range.
 */
import * as z from 'zod/mini';

export const PRERENDER_STATES = ['HIT', 'MISS', 'STALE', 'FALLBACK', 'BYPASS'] as const;

export const prerenderStats = z.object({
  /** Totals since the start of the store's retention. */
  renders: z.number(),
  hits: z.number(),
  misses: z.number(),
  stale: z.number(),
  fallbacks: z.number(),
  bypasses: z.number(),
  /** Seconds of browser time the renders took. */
  browserSeconds: z.number(),
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  series: z.array(
    z.object({
      t: z.string(),
      hits: z.number(),
      misses: z.number(),
      stale: z.number(),
      fallbacks: z.number(),
      renders: z.number(),
      browserSeconds: z.number(),
    }),
  ),
  /**
   * Visits per crawler category in the range, largest first (`person`: people asking for Markdown;
   * `warmup` / `recache`: renders the cron and operators started). Added by the edge beside the
   * first three: answers given as Markdown, 403s of a refused category, and what each answer's
   * identity rested on (Web Bot Auth signature, Cloudflare's signals, published IP ranges, the
   * User-Agent alone).
   */
  categories: z.array(
    z.object({
      category: z.string(),
      visits: z.number(),
      renders: z.number(),
      markdown: z.number(),
      refused: z.number(),
      evidence: z.object({ signature: z.number(), cloudflare: z.number(), ip: z.number(), 'user-agent': z.number() }),
    }),
  ),
  /** The render budget: renders allowed per minute (global and per category) against renders used. */
  budget: z.object({ perMinute: z.number(), perCategoryPerMinute: z.number(), rendersInRange: z.number() }),
  /** The refresh passes' outcomes over the range (absent from an edge without the refresh pass). */
  refresh: z.optional(
    z.object({ checked: z.number(), revalidated: z.number(), rerendered: z.number(), unchanged: z.number(), failed: z.number() }),
  ),
});
export type PrerenderStats = z.infer<typeof prerenderStats>;

export const snapshotItem = z.object({
  url: z.string(),
  device: z.enum(['mobile', 'desktop']),
  status: z.number(),
  renderedAt: z.string(),
  ageSeconds: z.number(),
  bytes: z.nullable(z.number()),
  freshness: z.enum(['fresh', 'stale', 'expired']),
});
export const snapshotList = z.object({ items: z.array(snapshotItem), cursor: z.nullable(z.string()) });
export type SnapshotItem = z.infer<typeof snapshotItem>;
export type SnapshotList = z.infer<typeof snapshotList>;

/** `GET /__prerender/snapshots`: `prefix` an absolute URL of the site or a path (`/article/`), `device` one of both. */
export const snapshotsQuery = z.object({
  prefix: z.optional(z.string().check(z.maxLength(2048))),
  device: z.optional(z.enum(['mobile', 'desktop'])),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 50),
});
export type SnapshotsQuery = z.infer<typeof snapshotsQuery>;

/** `POST /__prerender/warm`: one slice of the sitemap warmed now, as the cron does each minute. */
export const warmReport = z.object({
  urls: z.number(),
  checked: z.number(),
  fresh: z.number(),
  rendered: z.number(),
  failed: z.number(),
  stoppedBy: z.enum(['end-of-sitemap', 'max-checks', 'max-renders', 'budget', 'no-sitemap']),
  next: z.object({ sitemap: z.number(), offset: z.number() }),
  /** Pages moved to the front of the refresh pass because their sitemap `<lastmod>` moved past their snapshot. */
  fronted: z.optional(z.number()),
});
export type WarmReport = z.infer<typeof warmReport>;

/** `POST /__prerender/refresh`: one refresh pass now, as the cron runs each minute. */
export const refreshReport = z.object({
  /** Index entries looked at. */
  checked: z.number(),
  /** Pages whose recorded data dependencies were asked again and answered. */
  revalidated: z.number(),
  /** Pages rendered again (a dependency changed or could not be checked, or the page aged out). */
  rerendered: z.number(),
  /** Pages left as they were: dependencies unchanged, or still fresh by age. */
  unchanged: z.number(),
  /** Renders that failed or found no budget: the snapshot is kept and the page queued. */
  failed: z.number(),
});
export type RefreshReport = z.infer<typeof refreshReport>;
