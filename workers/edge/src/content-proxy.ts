/**
 * The site's content API under `/_content/`, forwarded to `CONTENT_API_ORIGIN` when it is set (the
 * demo content API locally; empty in the deployed stages, where `/_content/` is not the edge's). The
 * SPA reads its articles from there on its own origin, so the renderer records them as same-site
 * data dependencies and the refresh pass revalidates them. Read-only: GET and HEAD, with only the
 * headers a conditional read needs (no cookies, no credentials), and the validators back.
 */
import { methodNotAllowed } from '../../../shared/http/errors.ts';

export const CONTENT_PREFIX = '/_content/';

const FORWARDED_REQUEST_HEADERS = ['accept', 'if-none-match', 'if-modified-since'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'etag', 'last-modified', 'cache-control'];

/** `url` is the request's (already normalised by the runtime: no `..` segment survives parsing). */
export async function proxyContent(request: Request, url: URL, origin: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']).toResponse();
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const upstream = await fetch(`${origin}${url.pathname}${url.search}`, { method: request.method, headers, redirect: 'manual' });
  const answer = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) answer.set(name, value);
  }
  return new Response(upstream.status === 304 || request.method === 'HEAD' ? null : upstream.body, {
    status: upstream.status,
    headers: answer,
  });
}
