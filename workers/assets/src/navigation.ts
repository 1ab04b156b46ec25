/**
 * Which requests may fall back to the SPA shell (index.html). Only a page navigation for a path
 * without a file extension: a missing `/assets/app.3f9a.js`, or any script/style/image request,
 * gets a real 404 so a broken deploy shows as an error instead of HTML parsed as JavaScript.
 */
import { hasFileExtension } from './paths.ts';

/**
 * Fetch Metadata destinations of subresources (https://fetch.spec.whatwg.org/#concept-request-destination):
 * a request for one of these is never a page, whatever its Accept says.
 */
const SUBRESOURCE_DESTINATIONS = new Set([
  'audio',
  'audioworklet',
  'font',
  'image',
  'json',
  'manifest',
  'paintworklet',
  'report',
  'script',
  'serviceworker',
  'sharedworker',
  'style',
  'track',
  'video',
  'webidentity',
  'worker',
  'xslt',
]);

/** Whether a request for `path` with these headers (a `Headers`, or any reader of them) is a page navigation. */
export function isSpaNavigation(path: string, headers: { get(name: string): string | null }): boolean {
  if (hasFileExtension(path)) return false;
  const destination = headers.get('Sec-Fetch-Dest')?.toLowerCase();
  if (destination && SUBRESOURCE_DESTINATIONS.has(destination)) return false;
  if (headers.get('Sec-Fetch-Mode')?.toLowerCase() === 'navigate') return true;
  return acceptsHtml(headers.get('Accept'));
}

/** True when Accept names text/html (or XHTML) with a non-zero weight; a bare `*\/*` does not count. */
export function acceptsHtml(accept: string | null): boolean {
  if (!accept) return false;
  return accept.split(',').some((member) => {
    const [type = '', ...params] = member.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'text/html' && type !== 'application/xhtml+xml') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
