// Private feeds: the user is the subject of a verified JWT. Every rule is checked through the
// worker, with the recommender and the key server mocked at the network: whatever the token, the
// answer is 200, and the recommender is asked either for the token's subject or for nobody.
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { advanceClock, call, feed, freshUpstream, hanging, healthy, recommenderFeed, networkPerTest } from './support.ts';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'https://www.example.test/api/feed';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

const net = networkPerTest();

/**
 * Requests that reached the recommender, as the `user` each asked for (null: anonymous). A live
 * personalised answer also refreshes the cached anonymous feed once (a null after it).
 */

interface KeyPair {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative: already expired. */
  expiresIn?: number;
}

function claims({ sub = 'alice', iss = ISSUER, aud = AUDIENCE, expiresIn = 300 }: Claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setSubject(sub)
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn);
}

const signed = (key: KeyPair, alg: 'ES256' | 'RS256', options: Claims = {}) =>
  claims(options).setProtectedHeader({ alg, kid: key.jwk.kid }).sign(key.privateKey);

const hs256 = (secret: string | Uint8Array, options: Claims = {}) =>
  claims(options)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

/** A feed whose tokens come from a key set at its own URL; `?user=` alone is off unless asked. */
function jwksFeed(vars: Record<string, string> = {}) {
  const upstream = freshUpstream({
    AUTH_JWKS_URL: `https://keys-${crypto.randomUUID()}.test/.well-known/jwks.json`,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_QUERY_USER: 'false',
    AUTH_JWKS_TIMEOUT_MS: '100',
    ...vars,
  });
  const env = upstream.env as FeedEnv & Record<string, string>;
  net().on('GET', (u) => u.origin === upstream.origin, healthy);
  return { ...upstream, jwksUrl: env.AUTH_JWKS_URL };
}

function serveKeys(url: string, ...keys: JWK[]) {
  net().on('GET', url, () => Response.json({ keys }));
}

const askedFor = (origin: string) =>
  net()
    .requests.filter((r) => r.url.startsWith(origin))
    .map((r) => new URL(r.url).searchParams.get('user'));
const keyFetches = (url: string) => net().requests.filter((r) => r.url === url).length;

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

async function feedWith(e: FeedEnv, path: string, init: RequestInit) {
  const response = await call(e, path, init);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { mode: string; personalized: boolean; items: unknown[] };
  return { response, body };
}

describe('a valid token', () => {
  it('makes its subject the user; a ?user= that disagrees is ignored', async () => {
    const { origin, env: e, jwksUrl } = jwksFeed();
    const key = await keyPair('ES256', 'k1');
    serveKeys(jwksUrl, key.jwk);
    const token = await signed(key, 'ES256');

    const { body, response } = await feedWith(e, '/api/feed/home?user=bob', bearer(token));
    expect(body).toMatchObject({ mode: 'live', personalized: true, items: recommenderFeed('home', 'alice').items });
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(askedFor(origin)[0]).toBe('alice');
  });

  it('is read from the cookie when no Authorization header carries one', async () => {
    const { origin, env: e, jwksUrl } = jwksFeed();
    const key = await keyPair('RS256', 'r1');
    serveKeys(jwksUrl, key.jwk);
    const token = await signed(key, 'RS256', { sub: 'carol' });
    const { body } = await feedWith(e, '/api/feed/trending', { headers: { Cookie: `theme=dark; feed_token=${token}` } });
    expect(body).toMatchObject({ personalized: true, items: recommenderFeed('trending', 'carol').items });
    expect(askedFor(origin)[0]).toBe('carol');
  });

  it('is verified once: the key set is fetched once for many requests', async () => {
    const { env: e, jwksUrl } = jwksFeed();
    const key = await keyPair('ES256', 'k1');
    serveKeys(jwksUrl, key.jwk);
    const token = await signed(key, 'ES256');
    for (let i = 0; i < 5; i++) expect((await feedWith(e, '/api/feed/home', bearer(token))).body.personalized).toBe(true);
    expect(keyFetches(jwksUrl)).toBe(1);
  });

  it('signed with a key the set did not hold yet: the set is fetched again (a rotation), once per cooldown', async () => {
    const { env: e, jwksUrl } = jwksFeed();
    const [old, rotated] = [await keyPair('ES256', 'old'), await keyPair('ES256', 'new')];
    net().on('GET', jwksUrl, () => Response.json({ keys: [old.jwk] }), 1);
    net().on('GET', jwksUrl, () => Response.json({ keys: [old.jwk, rotated.jwk] }));
    expect((await feedWith(e, '/api/feed/home', bearer(await signed(old, 'ES256')))).body.personalized).toBe(true);
    // Within 30 s of the last fetch, an unknown kid is refused without asking the key server.
    const early = await signed(rotated, 'ES256', { sub: 'dan' });
    expect((await feedWith(e, '/api/feed/home', bearer(early))).body.personalized).toBe(false);
    expect(keyFetches(jwksUrl)).toBe(1);
    advanceClock(31_000);
    expect((await feedWith(e, '/api/feed/home', bearer(early))).body.items).toEqual(recommenderFeed('home', 'dan').items);
    expect(keyFetches(jwksUrl)).toBe(2);
  });
});

describe('a token that must not count: anonymous feed, 200, nobody else’s', () => {
  const cases: { name: string; token: (key: KeyPair, other: KeyPair) => Promise<string> }[] = [
    { name: 'expired', token: (key) => signed(key, 'ES256', { expiresIn: -120 }) },
    { name: 'for another audience', token: (key) => signed(key, 'ES256', { aud: 'https://other.example.test/' }) },
    { name: 'from another issuer', token: (key) => signed(key, 'ES256', { iss: 'https://evil.example.test/' }) },
    {
      name: 'signed by another key under the same kid',
      token: async (key, other) => claims().setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid }).sign(other.privateKey),
    },
    {
      name: 'with algorithm none',
      token: async () => new UnsecuredJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE }).setExpirationTime('5m').encode(),
    },
    {
      name: 'HS256 keyed with the public key (algorithm confusion)',
      token: async (key) => hs256(new TextEncoder().encode(JSON.stringify(key.jwk)), {}),
    },
    { name: 'whose subject is not a user id', token: (key) => signed(key, 'ES256', { sub: 'alice/../bob' }) },
    { name: 'that is not a JWT at all', token: async () => 'not.a.token' },
  ];

  it.each(cases)('$name', async ({ token: make }) => {
    const { origin, env: e, jwksUrl } = jwksFeed({ AUTH_QUERY_USER: 'true' });
    const [key, other] = [await keyPair('ES256', 'k1'), await keyPair('ES256', 'k1')];
    serveKeys(jwksUrl, key.jwk);
    const token = await make(key, other);
    // A ?user= next to a refused token does not count either, even with ?user= allowed.
    const { body, response } = await feedWith(e, '/api/feed/home?user=bob', bearer(token));
    expect(body).toMatchObject({ mode: 'live', personalized: false, items: recommenderFeed('home', null).items });
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(askedFor(origin)).toEqual([null]);
  });

  it('an RS256 public key used as an HS256 secret is refused even when the PEM is the secret', async () => {
    const { origin, env: e, jwksUrl } = jwksFeed();
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    serveKeys(jwksUrl, { ...(await exportJWK(publicKey)), kid: 'r1', alg: 'RS256' });
    const pem = await exportSPKI(publicKey);
    const forged = await claims().setProtectedHeader({ alg: 'HS256', kid: 'r1' }).sign(new TextEncoder().encode(pem));
    expect((await feedWith(e, '/api/feed/home', bearer(forged))).body.personalized).toBe(false);
    // The genuine RS256 token of the same key pair works, so the refusal above is the algorithm's.
    const genuine = await claims().setProtectedHeader({ alg: 'RS256', kid: 'r1' }).sign(privateKey);
    expect((await feedWith(e, '/api/feed/home', bearer(genuine))).body.personalized).toBe(true);
    expect(askedFor(origin)).toEqual([null, 'alice']);
  });
});

describe('the key server misbehaving', () => {
  it('hangs: the first request waits at most the timeout, then gets the anonymous feed; nobody waits again', async () => {
    const { origin, env: e, jwksUrl } = jwksFeed();
    net().on('GET', jwksUrl, hanging);
    const key = await keyPair('ES256', 'k1');
    const token = await signed(key, 'ES256');
    for (let i = 0; i < 3; i++) {
      const { body } = await feedWith(e, '/api/feed/home', bearer(token));
      expect(body).toMatchObject({ mode: 'live', personalized: false });
    }
    // One fetch; the next is due only after the cooldown (and would run in the background).
    expect(keyFetches(jwksUrl)).toBe(1);
    expect(askedFor(origin)).toEqual([null, null, null]);
  });

  it('answers a huge key set: refused while reading it, anonymous feed', async () => {
    const { env: e, jwksUrl } = jwksFeed();
    const key = await keyPair('ES256', 'k1');
    const padding = 'x'.repeat(100 * 1024);
    // Chunked (no Content-Length), so the limit must hold while reading.
    net().on('GET', jwksUrl, () => new Response(new Blob([`{"keys":[${JSON.stringify(key.jwk)}],"pad":"${padding}"}`]).stream()));
    const { body } = await feedWith(e, '/api/feed/home', bearer(await signed(key, 'ES256')));
    expect(body.personalized).toBe(false);
  });

  it.each([
    ['an error status', () => new Response('no', { status: 503 })],
    ['something that is not a key set', () => Response.json({ keys: 'none' })],
    ['not JSON', () => new Response('<html>')],
    ['a connection error', () => Promise.reject(new TypeError('connection refused'))],
  ])('answers %s: anonymous feed', async (_name, handler) => {
    const { env: e, jwksUrl } = jwksFeed();
    net().on('GET', jwksUrl, handler);
    const key = await keyPair('ES256', 'k1');
    expect((await feedWith(e, '/api/feed/home', bearer(await signed(key, 'ES256')))).body.personalized).toBe(false);
  });
});

describe('an HS256 shared secret instead of a key set', () => {
  const secretFeed = () => {
    const upstream = jwksFeed({ AUTH_JWKS_URL: '', AUTH_HS256_SECRET: SECRET });
    return upstream;
  };

  it('accepts a token signed with the secret', async () => {
    const { origin, env: e } = secretFeed();
    expect((await feedWith(e, '/api/feed/new', bearer(await hs256(SECRET, { sub: 'erin' })))).body.personalized).toBe(true);
    expect(askedFor(origin)).toEqual(['erin', null]);
  });

  it('refuses another secret, and an asymmetric token (no key server is ever asked)', async () => {
    const { origin, env: e } = secretFeed();
    const key = await keyPair('ES256', 'k1');
    for (const token of [await hs256('another-secret-that-is-also-32-bytes-long'), await signed(key, 'ES256')]) {
      expect((await feedWith(e, '/api/feed/new', bearer(token))).body.personalized).toBe(false);
    }
    expect(askedFor(origin)).toEqual([null, null]);
  });
});

describe('no token', () => {
  it('?user= alone counts only when the switch is on', async () => {
    const off = jwksFeed({ AUTH_QUERY_USER: 'false' });
    expect((await feed(off.env, '/api/feed/home?user=bob')).body.personalized).toBe(false);
    expect(askedFor(off.origin)).toEqual([null]);
    const on = jwksFeed({ AUTH_QUERY_USER: 'true' });
    expect((await feed(on.env, '/api/feed/home?user=bob')).body.personalized).toBe(true);
    expect(askedFor(on.origin)).toEqual(['bob', null]);
  });

  it('a malformed ?user= is still a 400, token or not', async () => {
    const { env: e } = jwksFeed();
    const response = await call(e, '/api/feed/home?user=a%20b', bearer('whatever'));
    expect(response.status).toBe(400);
  });
});

describe('while the breaker is open', () => {
  it('no token is verified: the degraded feed is the same for everyone', async () => {
    const { env: e, jwksUrl } = jwksFeed();
    const forced = await call(e, '/api/feed/_status', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'open' }),
    });
    expect(forced.status).toBe(200);
    const key = await keyPair('ES256', 'k1');
    const { body } = await feedWith(e, '/api/feed/home', bearer(await signed(key, 'ES256')));
    expect(body).toMatchObject({ mode: 'degraded', personalized: false });
    expect(keyFetches(jwksUrl)).toBe(0);
  });
});

describe('config', () => {
  it.each([
    [{ AUTH_HS256_SECRET: SECRET }, 'AUTH_JWKS_URL'],
    [{ AUTH_JWKS_URL: '', AUTH_HS256_SECRET: 'short' }, 'AUTH_HS256_SECRET'],
    [{ AUTH_ALGORITHMS: 'ES256,HS256' }, 'AUTH_ALGORITHMS'],
    [{ AUTH_ISSUER: '' }, 'AUTH_ISSUER'],
    [{ AUTH_COOKIE: 'a b' }, 'AUTH_COOKIE'],
  ])('%j is a config error naming %s', async (vars, field) => {
    const { env: e } = jwksFeed(vars);
    const response = await call(e, '/api/feed/home');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe(field);
  });
});
