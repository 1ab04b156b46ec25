/**
 * The render protocol between the edge (caller), the renderer worker and a self-hosted render
 * service (both of which answer it): one definition, imported by every side.
 *
 *   POST /render   Authorization: Bearer <token>   {"url": "https://site/page", "device": "mobile"|"desktop"}
 *   200 {"html", "markdown"?, "status", "headers", "renderedAt", "timings": {"totalMs"}}
 *   4xx/5xx {"error": {"code", "message", "field"?}}
 *
 * Every request the renderer's browser makes to the site carries `RENDER_REQUEST_HEADER: 1`, so the
 * edge serves it the SPA as to a human and a render never loops back into prerendering.
 */
import * as z from 'zod/mini';
import '../http/validate.ts'; // zod's English messages

/** The device class a page is rendered (and cached) for. */
export const DEVICES = ['mobile', 'desktop'] as const;
export type Device = (typeof DEVICES)[number];

export const RENDER_PATH = '/render';

/** Sent by the renderer's browser on every request to the site; the edge never prerenders those. */
export const RENDER_REQUEST_HEADER = 'X-Prerender-Render';
export const RENDER_REQUEST_VALUE = '1';

/** Longer URLs than this are refused: browsers and CDNs cap around 8 KB, sitemaps at 2,048 chars. */
export const MAX_URL_LENGTH = 4096;

export const renderRequestSchema = z.object({
  url: z.string().check(z.minLength(1), z.maxLength(MAX_URL_LENGTH)),
  device: z._default(z.enum(DEVICES), 'desktop'),
});
/** What a caller sends (`device` may be left out). */
export type RenderRequest = z.input<typeof renderRequestSchema>;

export const renderResultSchema = z.object({
  html: z.string(),
  /**
   * The page's main content as Markdown, converted in the browser from the same render (absent from
   * a backend that does not convert, and for redirects).
   */
  markdown: z.optional(z.string()),
  /** The page's own answer: its server's redirect, its `prerender-status-code` meta, or its HTTP status. */
  status: z.int().check(z.minimum(200), z.maximum(599)),
  /** From the page's `prerender-header` metas, canonical-case names. */
  headers: z.record(z.string(), z.string()),
  renderedAt: z.string(),
  timings: z.object({ totalMs: z.number().check(z.nonnegative()) }),
});
export type RenderResult = z.infer<typeof renderResultSchema>;
