/**
 * CSRF protection on every write (OWASP CSRF Prevention Cheat Sheet): the Origin check plus a
 * token bound to the session.
 *
 * - Origin: a write must come from the console's own origin (`Origin`, or `Sec-Fetch-Site:
 *   same-origin` from a browser that sends no Origin). SameSite=Strict alone is not enough here:
 *   "same site" ignores ports, so under `npm start` every other local worker (the SPA on :8787 and
 *   anything it runs) is the same site as the console on :8794; and in production the Access JWT
 *   reaches the worker on any request Access lets through, cookie or not.
 * - Token: HMAC-SHA256(SESSION_SECRET, session id), sent in `X-CSRF-Token` (or the `csrf` field
 *   of a form). Stateless like a double-submit cookie, but it cannot be planted by a sibling
 *   subdomain because it is signed, and it dies with the session it belongs to.
 */
import { base64url } from 'jose';
import { HttpError } from '../../../shared/http/errors.ts';
import { tokenMatches } from '../../../shared/http/auth.ts';

export const CSRF_HEADER = 'X-CSRF-Token';
export const CSRF_FIELD = 'csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isWrite(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The CSRF token of a session: base64url of HMAC-SHA256(secret, "csrf:" + session). */
export async function csrfToken(secret: Uint8Array, session: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`csrf:${session}`));
  return base64url.encode(new Uint8Array(mac));
}

/**
 * Why a write is not from the console's own pages, or null when it is. Pure: the request's own
 * origin against its `Origin` and `Sec-Fetch-Site` headers.
 */
export function crossOriginProblem(requestUrl: string, headers: Headers): string | null {
  const origin = headers.get('Origin');
  if (origin !== null) return origin === new URL(requestUrl).origin ? null : `Origin ${origin} is not this console`;
  const site = headers.get('Sec-Fetch-Site');
  if (site === 'same-origin') return null;
  return site === null ? 'a write must name its Origin' : `Sec-Fetch-Site ${site} is not this console`;
}

/** Throws 403 unless the write comes from the console's origin with the session's token. */
export async function requireCsrf(request: Request, secret: Uint8Array, session: string, formToken?: string): Promise<void> {
  const problem = crossOriginProblem(request.url, request.headers);
  if (problem !== null) throw new HttpError(403, 'csrf', problem, { field: 'Origin' });
  const header = request.headers.get(CSRF_HEADER) || null;
  const sent = header ?? formToken ?? '';
  const field = header === null && formToken !== undefined ? CSRF_FIELD : CSRF_HEADER;
  if (sent === '') throw new HttpError(403, 'csrf', `send the session's CSRF token in ${CSRF_HEADER}`, { field });
  if (!(await tokenMatches(sent, [await csrfToken(secret, session)]))) {
    throw new HttpError(403, 'csrf', 'the CSRF token does not belong to this session', { field });
  }
}
