/**
 * What a snapshot holds and how it is answered: script stripping (HTMLRewriter), which statuses
 * and headers from the page's prerender metas are honoured, and the bot response itself.
 */
import type { Dependencies, Device } from '../../../shared/render/protocol.ts';
import { siteUrl, type SiteOrigins } from '../../../shared/render/site.ts';

export type PrerenderState = 'HIT' | 'MISS' | 'STALE' | 'FALLBACK' | 'BYPASS';

/**
 * The KV index entry of one cache key. Bodies live in R2 under `r2Key` (HTML) and `markdown.r2Key`.
 * New fields are optional, so entries written before them still read.
 */
export interface SnapshotEntry {
  v: 1;
  url: string;
  device: Device;
  status: number;
  headers: Record<string, string>;
  /** SHA-256 of the stored body; an unchanged re-render does not rewrite R2. */
  hash: string | null;
  r2Key: string | null;
  renderedAt: string;
  /** Epoch ms: fresh until, then STALE until `staleUntil`, then re-rendered before serving. */
  freshUntil: number;
  staleUntil: number;
  /** The page's Markdown, from the same render, stored beside the HTML under the same content hash. */
  markdown?: MarkdownRef | null;
  /**
   * The page's same-site data requests at its last render (the refresh pass revalidates them instead
   * of rendering); absent or incomplete: the page is refreshed by age.
   */
  dependencies?: Dependencies | null;
  /** The SPA build the page was rendered with (build-check.ts `buildIdOf`), and for which it is current. */
  build?: string | null;
  /** SHA-256 of the page's Markdown (its content without script URLs; the HTML's hash when it has none). */
  contentHash?: string | null;
}

export interface MarkdownRef {
  r2Key: string;
  bytes: number;
  /** `x-markdown-tokens`: the estimate sent with the Markdown. */
  tokens: number;
}

/** Cached as pages: 200. Cached briefly: gone and moved answers (prerender.io's meta convention). */
export const PAGE_STATUS = 200;
export const SHORT_LIVED_STATUSES = new Set([301, 302, 307, 308, 404, 410]);
export const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/** Headers a page may set through `<meta name="prerender-header">`; the rest are dropped. */
const PASSED_HEADERS = new Set(['location', 'x-robots-tag', 'link', 'content-language']);

/**
 * A redirect target is kept only when it resolves to one of the site's own origins, and is then
 * given on the canonical one: a page (or a compromised renderer) can never turn the edge into an
 * open redirect, nor answer a `javascript:` URL.
 */
export function safeLocation(location: string, pageUrl: string, site: SiteOrigins): string | null {
  return siteUrl(location, site, pageUrl)?.href ?? null;
}

export type Verdict =
  | { kind: 'store'; status: number; headers: Record<string, string> }
  | { kind: 'serve-only'; status: number; headers: Record<string, string> }
  | { kind: 'reject'; reason: string };

/** What to do with a rendered page, from its status and prerender-header metas. */
export function judgeRender(render: { status: number; headers: Record<string, string> }, pageUrl: string, site: SiteOrigins): Verdict {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(render.headers)) {
    const lower = name.toLowerCase();
    if (PASSED_HEADERS.has(lower) && lower !== 'location' && !/[\r\n]/.test(value)) headers[lower] = value;
  }
  const status = render.status;
  if (REDIRECT_STATUSES.has(status)) {
    const raw = Object.entries(render.headers).find(([name]) => name.toLowerCase() === 'location')?.[1];
    const location = raw === undefined ? null : safeLocation(raw, pageUrl, site);
    if (location === null) return { kind: 'reject', reason: raw === undefined ? 'redirect-without-location' : 'off-site-location' };
    return { kind: 'store', status, headers: { ...headers, location } };
  }
  if (status === PAGE_STATUS || SHORT_LIVED_STATUSES.has(status)) return { kind: 'store', status, headers };
  if (status >= 200 && status <= 599) return { kind: 'serve-only', status, headers };
  return { kind: 'reject', reason: `status-${status}` };
}

export function freshness(status: number, now: number, config: { freshSeconds: number; errorFreshSeconds: number; staleSeconds: number }) {
  const fresh = status === PAGE_STATUS ? config.freshSeconds : config.errorFreshSeconds;
  const freshUntil = now + fresh * 1000;
  // Short-lived answers are not served stale for long: a 404 page that came back must show soon.
  const stale = status === PAGE_STATUS ? config.staleSeconds : config.errorFreshSeconds;
  return { freshUntil, staleUntil: freshUntil + stale * 1000 };
}

export { ageOf, type Age } from './age.ts';

/**
 * Removes every `<script>` but JSON-LD (structured data crawlers read), and the module preloads that
 * would fetch those scripts. The render-time comment is added by `stampSnapshot`, after hashing, so
 * the hash says whether the *page* changed.
 */
export async function cleanSnapshot(html: string): Promise<string> {
  const rewriter = new HTMLRewriter()
    .on('script', {
      element(element) {
        const type = (element.getAttribute('type') ?? '').trim().toLowerCase();
        if (type !== 'application/ld+json') element.remove();
      },
    })
    .on('link[rel="modulepreload"], link[rel="preload"][as="script"]', {
      element(element) {
        element.remove();
      },
    });
  return rewriter.transform(new Response(html)).text();
}

/** The stored body: the cleaned page and a comment saying when that content was rendered. */
export function stampSnapshot(content: string, renderedAt: string): string {
  return `${content}\n<!-- prerendered by edge at ${renderedAt} -->\n`;
}

/**
 * The answer to a bot: real status (a 404 is a 404, a 301 carries its same-site Location), the
 * category's `Content-Signal`, and `Vary: User-Agent, Accept` because the same URL answers humans
 * with the SPA and `Accept: text/markdown` with Markdown.
 */
export function botResponse(
  state: PrerenderState,
  entry: Pick<SnapshotEntry, 'status' | 'headers' | 'renderedAt'>,
  body: string | ReadableStream | null,
  method: string,
  contentSignal: string,
): Response {
  // The entry's own headers are the lower-case names `judgeRender` passed, none of which is set here.
  const headers: Record<string, string> = {
    ...entry.headers,
    'content-type': 'text/html; charset=utf-8',
    'x-prerender': state,
    'x-prerender-rendered-at': entry.renderedAt,
    'content-signal': contentSignal,
    'cache-control': 'private, no-cache',
    vary: 'User-Agent, Accept',
  };
  const redirect = REDIRECT_STATUSES.has(entry.status);
  return new Response(method === 'HEAD' || redirect ? null : body, { status: entry.status, headers });
}

/**
 * Marks a pass-through (or SPA shell) response for a bot without touching its body. No `Vary`:
 * it is the very response a human gets. Constructing from the Response keeps workerd's body
 * encoding (`encodeBody: "manual"` for precompressed assets).
 */
export function withPrerenderState(response: Response, state: PrerenderState): Response {
  const marked = new Response(response.body, response);
  marked.headers.set('X-Prerender', state);
  return marked;
}
