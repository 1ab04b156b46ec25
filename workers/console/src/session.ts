/**
 * Who is signed in. Two ways, chosen by AUTH_MODE:
 *
 * - `access` (every deployed stage): Cloudflare Access sits in front and sends its JWT in
 *   `Cf-Access-Jwt-Assertion` on every request. It is verified here with jose against the team's
 *   published keys, with the team domain as issuer and the application's audience tag: a request
 *   without it, or with one expired, for another application or signed by another key, is not let in.
 * - `local` (`npm start`): a sign-in page takes a token of CONSOLE_TOKENS (constant-time compare)
 *   and answers a session cookie holding an HS256 JWT (jose) with an expiry, HttpOnly and
 *   SameSite=Strict, so page scripts cannot read it and other sites cannot send it.
 *
 * Each session has an id that the CSRF token is bound to (csrf.ts).
 */
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { serviceUnavailable } from '../../../shared/http/errors.ts';
import type { ConsoleState } from './state.ts';

export const SESSION_COOKIE = 'console_session';
/** Cloudflare Access's header, carrying the JWT it signed for this request. */
export const ACCESS_HEADER = 'Cf-Access-Jwt-Assertion';
const SESSION_AUDIENCE = 'console';

/** jose's errors that judge the token itself (as opposed to failing to fetch the keys). */
const VERDICTS = [
  joseErrors.JWTClaimValidationFailed,
  joseErrors.JWTInvalid,
  joseErrors.JWSInvalid,
  joseErrors.JWSSignatureVerificationFailed,
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys,
  joseErrors.JOSEAlgNotAllowed,
  joseErrors.JOSENotSupported,
];

export interface Operator {
  /** Who acts, for the owners' logs (`X-Operator`): the Access email (or subject), or `local`. */
  id: string;
  via: 'local' | 'access';
  /** The session this request belongs to; the CSRF token is derived from it. */
  session: string;
}

/** Why a request has no operator: said on the sign-in page, never more precisely than this. */
export type NoOperator = 'missing' | 'expired' | 'invalid';

export type Identified = { ok: true; operator: Operator } | { ok: false; reason: NoOperator };

/** The operator of a request, from its Access JWT or its session cookie (per AUTH_MODE). */
export async function identify(request: Request, sessionCookie: string | undefined, state: ConsoleState): Promise<Identified> {
  if (state.config.mode === 'access') return identifyAccess(request.headers.get(ACCESS_HEADER), state);
  if (sessionCookie === undefined || sessionCookie === '') return { ok: false, reason: 'missing' };
  try {
    const { payload } = await jwtVerify(sessionCookie, state.secret, { algorithms: ['HS256'], audience: SESSION_AUDIENCE });
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') return { ok: false, reason: 'invalid' };
    return { ok: true, operator: { id: payload.sub, via: 'local', session: payload.jti } };
  } catch (error) {
    return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
  }
}

async function identifyAccess(assertion: string | null, state: ConsoleState): Promise<Identified> {
  if (assertion === null || assertion === '' || state.accessKeys === null) return { ok: false, reason: 'missing' };
  try {
    const { payload } = await jwtVerify(assertion, state.accessKeys, {
      algorithms: ['RS256'],
      issuer: state.config.accessTeam,
      audience: state.config.accessAudience,
    });
    const who = typeof payload.email === 'string' && payload.email !== '' ? payload.email : payload.sub;
    if (typeof who !== 'string' || who === '') return { ok: false, reason: 'invalid' };
    // One Access sign-in: its subject and issue time (a fresh Access login is a fresh CSRF token).
    return { ok: true, operator: { id: who, via: 'access', session: `${payload.sub ?? who}:${payload.iat ?? 0}` } };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
    if (VERDICTS.some((verdict) => error instanceof verdict)) return { ok: false, reason: 'invalid' };
    // Anything else is about getting the keys (team domain slow, down, or answering garbage): an
    // outage, not a verdict on the operator.
    throw serviceUnavailable(5, 'the Access signing keys cannot be fetched right now');
  }
}

/** A new local session for `id`: the cookie's value (an HS256 JWT) and its lifetime. */
export async function newLocalSession(id: string, state: ConsoleState, now = Date.now()): Promise<{ value: string; maxAge: number }> {
  const seconds = Math.floor(now / 1000);
  const maxAge = state.config.sessionTtlSeconds;
  const value = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(id)
    .setAudience(SESSION_AUDIENCE)
    .setJti(crypto.randomUUID())
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + maxAge)
    .sign(state.secret);
  return { value, maxAge };
}
