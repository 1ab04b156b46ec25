/**
 * The render protocol between the edge (caller), the renderer worker and a self-hosted render
 * service (both of which answer it): one definition, imported by every side.
 *
 *   POST /render   Authorization: Bearer <token>   {"url": "https://site/page", "device": "mobile"|"desktop"}
 *   200 {"html", "markdown"?, "status", "headers", "renderedAt", "timings": {"totalMs"}, "dependencies"?}
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

/** At most this many data requests are recorded per render (the first ones the page made). */
export const MAX_DEPENDENCIES = 32;
/** A data request whose URL is longer than this is not recorded (the page then has no cheap check for it). */
export const MAX_DEPENDENCY_URL_LENGTH = 512;

/**
 * One same-site data request the page made while rendering (a fetch or XHR GET answered 200): its URL
 * and the validators that let a later check ask "has this changed?" with a conditional request, or
 * the SHA-256 of its body when the server sent neither validator.
 */
export const dependencySchema = z.object({
  url: z.string().check(z.minLength(1), z.maxLength(MAX_DEPENDENCY_URL_LENGTH)),
  etag: z.optional(z.string().check(z.maxLength(256))),
  lastModified: z.optional(z.string().check(z.maxLength(64))),
  /** Hex SHA-256 of the body, only when neither validator was sent. */
  hash: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
});
export type Dependency = z.infer<typeof dependencySchema>;

export const dependenciesSchema = z.object({
  requests: z.array(dependencySchema).check(z.maxLength(MAX_DEPENDENCIES)),
  /**
   * False when the page made a data request that could not be recorded (over the count or URL
   * length, a query carrying user data, credentials, an unreadable body): its changes would go
   * unseen, so such a page is refreshed by age.
   */
  complete: z.boolean(),
});
export type Dependencies = z.infer<typeof dependenciesSchema>;

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
  /**
   * The page's data requests to the site's own origins (and the renderer's allowed API origins, the
   * site's own APIs), in the order made; absent from a backend that does not record them (then the
   * caller refreshes the page by age).
   */
  dependencies: z.optional(dependenciesSchema),
});
export type RenderResult = z.infer<typeof renderResultSchema>;
