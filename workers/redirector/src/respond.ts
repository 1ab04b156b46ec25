/**
 * Responses of the redirector, as pure functions of the link, the request and the time.
 *
 * Caching (RFC 9111): a 301/308 is cacheable by default and browsers keep it as long as we let them,
 * so each permanent redirect carries a bounded `max-age` (the link's own, else REDIRECT_MAX_AGE, a day
 * by default): an edited or deleted link reaches returning browsers within that time. A link marked
 * immutable promises never to change and gets a year (RFC 8246 `immutable`). No max-age outlives the
 * link's expiry. Temporary redirects (302/307) are not stored at all, so every visit comes back.
 */
import type { LinkRecord } from '../../../shared/links/record.ts';
import { withQuery } from '../../../shared/links/query.ts';

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

/** `search` is the request's query string with its `?` (or empty); `fixed` is the isolate's `FixedHeaders`. */
export function redirectResponse(record: LinkRecord, search: string, defaultMaxAge: number, now: number, fixed: FixedHeaders): Response {
  const headers =
    (search.length < 2 || !record.appendQuery) && record.expiresAt === undefined
      ? fixedHeaders(fixed, record, defaultMaxAge, now)
      : redirectHeaders(record.appendQuery ? withQuery(record.url, search) : record.url, cacheControl(record, defaultMaxAge, now));
  return new Response(null, { status: record.status, headers });
}

function redirectHeaders(location: string, cache: string): Headers {
  return new Headers([
    ['Location', location],
    ['Cache-Control', cache],
    ['Referrer-Policy', REFERRER_POLICY],
  ]);
}

/**
 * Without a query to append or an expiry to count down, a link's redirect headers are the same on
 * every request: they are built once per record read (a record is kept FRESH_MS in isolate memory,
 * so a popular link reuses them) and copied into each Response, as the Response constructor does.
 * Keyed by the record object, so they go when the isolate's memory lets the record go.
 */
export type FixedHeaders = WeakMap<LinkRecord, { maxAge: number; headers: Headers }>;

function fixedHeaders(fixed: FixedHeaders, record: LinkRecord, defaultMaxAge: number, now: number): Headers {
  let entry = fixed.get(record);
  if (entry === undefined || entry.maxAge !== defaultMaxAge) {
    entry = { maxAge: defaultMaxAge, headers: redirectHeaders(record.url, cacheControl(record, defaultMaxAge, now)) };
    fixed.set(record, entry);
  }
  return entry.headers;
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
