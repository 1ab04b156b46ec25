// The demo token issuer of the demo services: signs a demo user in with an ES256 JWT, and publishes
// its public key as a JSON Web Key Set, so the feed's private path (a verified token's subject is
// the user) runs locally end to end. No password: whoever asks for a user gets a token for it, which
// is what a demo needs and why this never runs anywhere but on a developer's machine.
//
//   GET  /.well-known/jwks.json   the public key set (what the feed's AUTH_JWKS_URL points at)
//   POST /auth/token              JSON { user, ttlSeconds? } -> { token, tokenType, expiresAt }
//
// The key pair is made on first start and, when `keyFile` is given, kept there (under .wrangler/,
// which git ignores), so a restarted issuer still vouches for the tokens it signed before.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';

/** The audience the demo's tokens are for: the feed (its AUTH_AUDIENCE in wrangler.toml). */
export const DEMO_AUDIENCE = 'feed';
const ALG = 'ES256';
/** A demo sign-in lasts an hour unless asked otherwise. */
const DEFAULT_TTL_S = 3600;
const MAX_TTL_S = 86_400;

/**
 * @typedef {{ issuer: string, audience: string, jwks: { keys: import('jose').JWK[] },
 *   sign(user: string, options?: { ttlSeconds?: number, audience?: string }): Promise<{ token: string, expiresAt: string }> }} Issuer
 */

/**
 * @param {{ issuer: string, audience?: string, keyFile?: string }} options
 * @returns {Promise<Issuer>}
 */
export async function createIssuer({ issuer, audience = DEMO_AUDIENCE, keyFile }) {
  const { privateJwk, publicJwk } = await loadOrCreateKeys(keyFile);
  const privateKey = await importJWK(privateJwk, ALG);
  return {
    issuer,
    audience,
    jwks: { keys: [publicJwk] },
    async sign(user, { ttlSeconds = DEFAULT_TTL_S, audience: aud = audience } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: ALG, kid: publicJwk.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(aud)
        .setSubject(user)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
      return { token, expiresAt: new Date((now + ttlSeconds) * 1000).toISOString() };
    },
  };
}

/** @param {unknown} raw @returns {string | null} what is wrong with a token request, or null */
export function tokenRequestProblem(raw) {
  if (typeof raw !== 'object' || raw === null) return 'expected a JSON object';
  const body = /** @type {Record<string, unknown>} */ (raw);
  if (typeof body.user !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(body.user)) return 'user must be 1-64 of A-Z a-z 0-9 _ -';
  const ttl = body.ttlSeconds;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1 && ttl <= MAX_TTL_S))
    return `ttlSeconds must be an integer from 1 to ${MAX_TTL_S}`;
  return null;
}

/**
 * @param {string | undefined} keyFile
 * @returns {Promise<{ privateJwk: import('jose').JWK, publicJwk: import('jose').JWK }>}
 */
async function loadOrCreateKeys(keyFile) {
  if (keyFile && existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8'));
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = `demo-${Date.now().toString(36)}`;
  const keys = {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' },
  };
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  }
  return keys;
}
