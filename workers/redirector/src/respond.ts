/**
 * Responses of the redirector, as pure functions of the link, the request and the time.
 *
 * Caching (RFC 9111): a 301/308 is cacheable by default and browsers keep it as long as we let them,
 * so each permanent redirect carries a bounded `max-age` (the link's own, else REDIRECT_MAX_AGE, a day
 * by default): an edited or deleted link reaches returning browsers within that time. A link marked
 * immutable promises never to change and gets a year (RFC 8246 `immutable`). No max-age outlives the
 * link's expiry. Temporary redirects (302/307) are not stored at all, so every visit comes back.
 *
 * A link whose answer depends on request headers (rules on device, country or language; a preview
 * card for preview bots) says which in `Vary` (RFC 9110 §12.5.5) and is `private`: a shared cache
 * must not hand one client's destination to another. Rules on the query string need neither, as
 * the URL already tells answers apart.
 */
import type { LinkRecord } from '../../../shared/links/record.ts';
import { withQuery } from '../../../shared/links/query.ts';
import { matchRule, varyOf, type ClientFacts } from '../../../shared/links/rules.ts';

export const ONE_YEAR = 31_536_000;
export const DEFAULT_MAX_AGE = 86_400;

export function cacheControl(record: LinkRecord, defaultMaxAge: number, now: number): string {
  if (record.status === 302 || record.status === 307) return 'no-store';
  let maxAge = record.immutable ? ONE_YEAR : (record.maxAge ?? defaultMaxAge);
  if (record.expiresAt !== undefined) maxAge = Math.min(maxAge, Math.max(0, Math.floor((Date.parse(record.expiresAt) - now) / 1000)));
  if (maxAge === 0) return 'no-cache';
  return record.immutable && maxAge === ONE_YEAR ? `public, max-age=${ONE_YEAR}, immutable` : `public, max-age=${maxAge}`;
}

/**
 * The short link should not leak where it was clicked from to the destination's analytics beyond
 * the origin (the default policy of browsers, stated for every client).
 */
const REFERRER_POLICY = 'strict-origin-when-cross-origin';

/** The destination for this client: the first matching rule's, else the link's own. */
export function destinationOf(record: LinkRecord, client: ClientFacts): { url: string; rule: number } {
  if (record.rules === undefined) return { url: record.url, rule: -1 };
  const rule = matchRule(record.rules, client);
  return { url: rule === -1 ? record.url : (record.rules[rule]?.url ?? record.url), rule };
}

/** The request headers the link's answer depends on ('' when none). */
export function varyFor(record: LinkRecord): string {
  const vary = varyOf(record.rules);
  if (record.preview === undefined) return vary;
  return vary.includes('User-Agent') ? vary : vary === '' ? 'User-Agent' : `User-Agent, ${vary}`;
}

/**
 * `destination` is `destinationOf`'s answer; `search` the request's query string with its `?` (or
 * empty); `fixed` the isolate's `FixedHeaders`.
 */
export function redirectResponse(
  record: LinkRecord,
  destination: { url: string; rule: number },
  search: string,
  defaultMaxAge: number,
  now: number,
  fixed: FixedHeaders,
): Response {
  const headers =
    (search.length < 2 || !record.appendQuery) && record.expiresAt === undefined
      ? fixedHeaders(fixed, record, destination, defaultMaxAge, now)
      : redirectHeaders(record.appendQuery ? withQuery(destination.url, search) : destination.url, record, defaultMaxAge, now);
  return new Response(null, { status: record.status, headers });
}

function redirectHeaders(location: string, record: LinkRecord, defaultMaxAge: number, now: number): Headers {
  const vary = varyFor(record);
  const cache = cacheControl(record, defaultMaxAge, now);
  const headers = new Headers([
    ['Location', location],
    ['Cache-Control', vary === '' ? cache : cache.replace('public', 'private')],
    ['Referrer-Policy', REFERRER_POLICY],
  ]);
  if (vary !== '') headers.set('Vary', vary);
  return headers;
}

/**
 * Without a query to append or an expiry to count down, a link's redirect headers are the same on
 * every request to the same destination: they are built once per record read and destination (a
 * record is kept FRESH_MS in isolate memory, so a popular link reuses them) and copied into each
 * Response, as the Response constructor does. Keyed by the record object, so they go when the
 * isolate's memory lets the record go; one slot per rule, slot 0 for the link's own destination.
 */
export type FixedHeaders = WeakMap<LinkRecord, { maxAge: number; byRule: (Headers | undefined)[] }>;

function fixedHeaders(
  fixed: FixedHeaders,
  record: LinkRecord,
  destination: { url: string; rule: number },
  defaultMaxAge: number,
  now: number,
): Headers {
  let entry = fixed.get(record);
  if (entry === undefined || entry.maxAge !== defaultMaxAge) {
    entry = { maxAge: defaultMaxAge, byRule: [] };
    fixed.set(record, entry);
  }
  return (entry.byRule[destination.rule + 1] ??= redirectHeaders(destination.url, record, defaultMaxAge, now));
}

/**
 * The card a link-preview bot is shown instead of the redirect: Open Graph and Twitter card tags
 * from the link's own
 * preview, and a refresh to the destination for anything that renders it. A bot's `Range` is
 * ignored (RFC 9110 §14.2 lets a server send the whole, and the card is far smaller than any range
 * a bot asks for); compression is left to the runtime.
 */
export function previewResponse(record: LinkRecord, destination: string): Response {
  const preview = record.preview;
  if (preview === undefined) throw new Error('previewResponse: the link has no preview');
  const title = escapeHtml(preview.title);
  const tags = [
    ['og:type', 'website'],
    ['og:title', preview.title],
    ...(preview.description !== undefined ? [['og:description', preview.description]] : []),
    ...(preview.image !== undefined ? [['og:image', preview.image]] : []),
  ]
    .map(([property, content]) => `<meta property="${property}" content="${escapeHtml(content as string)}">`)
    .join('');
  const twitter = [
    ['twitter:card', preview.image !== undefined ? 'summary_large_image' : 'summary'],
    ['twitter:title', preview.title],
    ...(preview.description !== undefined ? [['twitter:description', preview.description]] : []),
    ...(preview.image !== undefined ? [['twitter:image', preview.image]] : []),
  ]
    .map(([name, content]) => `<meta name="${name}" content="${escapeHtml(content as string)}">`)
    .join('');
  const target = escapeHtml(destination);
  const description = preview.description !== undefined ? `<meta name="description" content="${escapeHtml(preview.description)}">` : '';
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${description}${tags}${twitter}<meta name="robots" content="noindex"><meta http-equiv="refresh" content="0; url=${target}"></head><body><a href="${target}">${title}</a></body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'private, max-age=300',
      Vary: varyFor(record),
      'Referrer-Policy': REFERRER_POLICY,
    },
  });
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** Browsers get a small page; API clients (anything not asking for HTML) get the JSON error shape. */
export function wantsHtml(request: Request): boolean {
  return /\btext\/html\b/i.test(request.headers.get('Accept') ?? '');
}

export function notFoundResponse(request: Request): Response {
  return problem(request, 404, 'not_found', 'This short link does not exist.', 'no-store');
}

export function goneResponse(request: Request, reason: 'deleted' | 'expired'): Response {
  // Short-lived: an expired link may be extended with PATCH and must work again soon after.
  return problem(request, 410, 'gone', `This short link was ${reason} and no longer leads anywhere.`, 'public, max-age=60');
}

export function unavailableResponse(request: Request, retryAfterSeconds: number): Response {
  const response = problem(request, 503, 'unavailable', 'Short links are briefly unavailable; try again shortly.', 'no-store');
  response.headers.set('Retry-After', String(retryAfterSeconds));
  return response;
}

export function methodNotAllowedResponse(): Response {
  return Response.json(
    { error: { code: 'method_not_allowed', message: 'allowed methods: GET, HEAD' } },
    { status: 405, headers: { Allow: 'GET, HEAD', 'Cache-Control': 'no-store' } },
  );
}

function problem(request: Request, status: number, code: string, message: string, cache: string): Response {
  const headers = { 'Cache-Control': cache, Vary: 'Accept' };
  if (!wantsHtml(request)) return Response.json({ error: { code, message } }, { status, headers });
  const title = status === 404 ? 'Link not found' : status === 410 ? 'Link gone' : 'Try again shortly';
  const html = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${title}</title><body style="font:16px system-ui;margin:4rem auto;max-width:32rem;padding:0 1rem"><h1>${title}</h1><p>${message}</p></body></html>`;
  return new Response(html, { status, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
}
