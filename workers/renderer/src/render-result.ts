/** From what the browser saw to what the caller gets: the page's status and headers for a crawler. */
import type { Dependencies } from '../../../shared/render/protocol.ts';
import { interpretPrerenderMetas, type MetaPair } from './prerender-meta.ts';

/** What driving the page produced (render-page.ts). */
export interface PageSnapshot {
  /** The serialised DOM; empty when the page's own server redirected. */
  html: string;
  /** The page's main content as Markdown (null for a redirect, or when the conversion failed). */
  markdown: string | null;
  /** Status of the main document's HTTP response, when there was one. */
  httpStatus: number | null;
  /** `prerender-*` meta elements read from the live DOM (prerender-meta.ts says why not from `html`). */
  metas: MetaPair[];
  /** The main document answered with a redirect, which the renderer reports instead of following. */
  redirect: { status: number; location: string | null } | null;
  /** The page's same-site data requests (dependencies.ts); null for a redirect. */
  dependencies: Dependencies | null;
}

export interface PageAnswer {
  html: string;
  markdown?: string;
  status: number;
  headers: Record<string, string>;
  dependencies?: Dependencies;
}

/**
 * Status precedence (as in prerender): the page's server redirect, then the page's
 * `prerender-status-code` meta, then the HTTP status of the document, then 200.
 */
export function pageAnswer(snapshot: PageSnapshot, pageUrl: URL): PageAnswer {
  if (snapshot.redirect) {
    const location = safeLocation(snapshot.redirect.location, pageUrl);
    return { html: '', status: snapshot.redirect.status, headers: location ? { Location: location } : {} };
  }
  const metas = interpretPrerenderMetas(snapshot.metas);
  const headers = { ...metas.headers };
  if (headers.Location !== undefined) {
    const location = safeLocation(headers.Location, pageUrl);
    if (location) headers.Location = location;
    else delete headers.Location;
  }
  // A 304 is the browser revalidating its own cache: the page it shows is the cached 200.
  const httpStatus =
    snapshot.httpStatus !== null && snapshot.httpStatus >= 200 && snapshot.httpStatus <= 599 && snapshot.httpStatus !== 304
      ? snapshot.httpStatus
      : null;
  const status = metas.status ?? httpStatus ?? 200;
  return {
    html: snapshot.html,
    ...(snapshot.markdown !== null && { markdown: snapshot.markdown }),
    status,
    headers,
    ...(snapshot.dependencies !== null && { dependencies: snapshot.dependencies }),
  };
}

/**
 * A Location a crawler may be sent to: resolved against the page (RFC 9110 §10.2.2 allows relative
 * references), http(s) only, so a page can never make the edge answer `Location: javascript:...`.
 */
export function safeLocation(value: string | null, base: URL): string | null {
  if (value === null || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return url.href;
}
