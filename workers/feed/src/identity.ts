/**
 * Who a feed request speaks for. The user is the subject of a signed JWT (RFC 7519), sent as
 * `Authorization: Bearer <token>` or in a cookie, verified with jose against the configured keys:
 * a JSON Web Key Set fetched from a URL (asymmetric algorithms only), or a shared HS256 secret.
 * Issuer, audience and expiry are checked; `none` and algorithms outside the configured list are
 * refused by construction (RFC 8725 §3.1, §3.2).
 *
 * A request without a token, or with one that does not verify, gets the anonymous feed: never an
 * error, never anyone else's feed. `?user=` is taken only when no token came and the config allows
 * it (the demo), and a `?user=` next to a token is ignored.
 *
 * Identity is asked for only when the answer depends on it: a degraded answer is the same for
 * everyone, so while the breaker is open no token is verified at all.
 */
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JSONWebKeySet } from 'jose';
import { parse as parseCookies } from 'hono/utils/cookie';
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { bearerToken } from '../../../shared/http/auth.ts';
import { readLimited } from '../../../shared/http/body.ts';
import { log } from '../../../shared/log.ts';
import type { AuthConfig } from './config.ts';
import type { Background } from './shared-breaker.ts';

/** User ids the recommender knows: opaque slugs. A token's subject must be one too. */
export const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Allowed clock skew between the issuer and us on `exp` / `nbf` / `iat`. */
const CLOCK_TOLERANCE_S = 30;
/** A longer token is not one of ours (and is never parsed). */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** A verified (or refused) token is remembered this long at most, and never past its `exp`. */
const MEMO_TTL_MS = 60_000;
/** The key set is refetched when older than this, in the background (stale-while-revalidate). */
const KEYS_MAX_AGE_MS = 10 * 60_000;
/** After a failed fetch, or a fetch for an unknown `kid`, the next one waits this long. */
const KEYS_COOLDOWN_MS = 30_000;
/** A key set is a few keys: a larger answer is refused while being read, never buffered whole. */
export const MAX_JWKS_BYTES = 64 * 1024;
const MAX_KEYS = 50;

/** The user, resolved only when needed (a live call); `null` is anonymous. */
export type Asker = (background: Background) => string | null | Promise<string | null>;

const ANONYMOUS: Asker = () => null;

/** What a request carries about its user, read without verifying anything yet. */
export function askerFor(identities: Identities, request: Request, queryUser: string | null): Asker {
  const token = identities.tokenOf(request);
  if (token !== null) return (background) => identities.verify(token, background);
  if (queryUser !== null && identities.config.queryUser) return () => queryUser;
  return ANONYMOUS;
}

/** One isolate's verifier: the key set (if remote), and a memo of tokens already checked. */
export class Identities {
  readonly #keys: RemoteKeySet | null;
  readonly #secret: Uint8Array | null;
  /** Token -> its subject (or '' when refused), so the same token is verified once a minute. */
  readonly #memo = new BoundedMap<string>({ maxEntries: 2_000, maxBytes: 1024 * 1024, sizeOf: (v, k) => k.length + v.length });

  constructor(readonly config: AuthConfig) {
    const keys = config.keys;
    this.#keys = keys?.kind === 'jwks' ? new RemoteKeySet(keys.url, config.jwksTimeoutMs) : null;
    this.#secret = keys?.kind === 'secret' ? keys.secret : null;
  }

  /** The token of `Authorization: Bearer`, else of the cookie; null when neither carries one. */
  tokenOf(request: Request): string | null {
    const fromHeader = bearerToken(request);
    if (fromHeader !== null) return fromHeader;
    const cookie = request.headers.get('Cookie');
    if (cookie === null || !cookie.includes(this.config.cookie)) return null;
    return parseCookies(cookie, this.config.cookie)[this.config.cookie] || null;
  }

  /** The token's subject when it verifies, else null (anonymous). Never throws. */
  verify(token: string, background: Background): string | null | Promise<string | null> {
    if (this.config.keys === null || token.length > MAX_TOKEN_LENGTH) return null;
    const known = this.#memo.get(token);
    if (known !== undefined) return known || null;
    return this.#verify(token, background);
  }

  async #verify(token: string, background: Background): Promise<string | null> {
    const keys = this.config.keys;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      };
      const { payload } =
        keys?.kind === 'jwks'
          ? await jwtVerify(token, this.#keys!.getKey(background), { ...options, algorithms: [...keys.algorithms] })
          : await jwtVerify(token, this.#secret!, { ...options, algorithms: ['HS256'] });
      const user = payload.sub !== undefined && USER_ID.test(payload.sub) ? payload.sub : null;
      if (user === null) log('info', 'feed.auth.subject_refused', { reason: 'subject is not a user id' });
      const untilExpiry = (payload.exp ?? 0) * 1000 - Date.now();
      this.#memo.set(token, user ?? '', Math.min(MEMO_TTL_MS, untilExpiry));
      return user;
    } catch (error) {
      // A key set we could not fetch, or one that does not hold the token's key yet (a rotation),
      // says nothing final about the token: only other refusals are remembered.
      if (!(error instanceof KeysUnavailable || error instanceof errors.JWKSNoMatchingKey)) this.#memo.set(token, '', MEMO_TTL_MS);
      log('info', 'feed.auth.token_refused', { reason: reasonOf(error) });
      return null;
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JOSEError) return error.code;
  return error instanceof Error ? error.message : String(error);
}

/** No key set to verify with (never fetched, or the fetch failed): the token cannot be judged now. */
class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

/**
 * The issuer's JSON Web Key Set, fetched from its URL and kept in this isolate. Only the very first
 * fetch is waited on (bounded by the timeout); later ones run in the background: when the set is
 * older than KEYS_MAX_AGE_MS, or when a token names a `kid` the set does not hold. A failed fetch
 * leaves the last good set in place and is retried after KEYS_COOLDOWN_MS, so a key server that
 * hangs costs at most one bounded wait per isolate, and a flood of made-up `kid`s one fetch per
 * cooldown.
 */
class RemoteKeySet {
  #local: ReturnType<typeof createLocalJWKSet> | null = null;
  #fetchedAt = 0;
  #attemptedAt = 0;
  #loading: Promise<void> | null = null;

  constructor(
    readonly url: URL,
    readonly timeoutMs: number,
  ) {}

  /** jose's key lookup for one verification. */
  getKey(background: Background): JWTVerifyGetKey {
    return async (header, token) => {
      const now = Date.now();
      if (this.#local === null) {
        // Never fetched: requests wait for the first fetch (bounded); after a failure, nobody waits.
        if (this.#attemptedAt === 0) await this.#load();
        else if (this.#loading !== null) await this.#loading;
        else this.#refreshInBackground(background, now);
        if (this.#local === null) throw new KeysUnavailable('the key set could not be fetched');
      } else if (now - this.#fetchedAt >= KEYS_MAX_AGE_MS) {
        this.#refreshInBackground(background, now);
      }
      try {
        return await this.#local(header, token);
      } catch (error) {
        // A key the set does not hold: perhaps a rotation. Fetch again, at most once per cooldown.
        if (error instanceof errors.JWKSNoMatchingKey && now - this.#attemptedAt >= KEYS_COOLDOWN_MS) {
          await this.#load();
          return this.#local(header, token);
        }
        throw error;
      }
    };
  }

  #refreshInBackground(background: Background, now: number): void {
    if (this.#loading !== null || now - this.#attemptedAt < KEYS_COOLDOWN_MS) return;
    background.waitUntil(this.#load());
  }

  /** One fetch at a time; a failure keeps the last good set. Never throws. */
  #load(): Promise<void> {
    this.#loading ??= (async () => {
      this.#attemptedAt = Date.now();
      try {
        this.#local = createLocalJWKSet(await fetchKeySet(this.url, this.timeoutMs));
        this.#fetchedAt = Date.now();
      } catch (error) {
        log('warn', 'feed.auth.jwks_unavailable', { url: this.url.href, error: String(error) });
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }
}

/** GET the key set: 200 JSON `{ keys: [...] }`, at most MAX_JWKS_BYTES, within `timeoutMs` (body included). */
async function fetchKeySet(url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await fetch(url, {
    headers: { Accept: 'application/jwk-set+json, application/json' },
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`the key set answered ${response.status}`);
  }
  const bytes = await readLimited(response, MAX_JWKS_BYTES);
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { keys?: unknown };
  if (!Array.isArray(json.keys) || json.keys.length > MAX_KEYS) throw new Error(`not a key set of at most ${MAX_KEYS} keys`);
  return json as JSONWebKeySet;
}
