/**
 * Production sign-in: Cloudflare Access in front, its JWT verified on every request against the
 * team's published keys (served here by the network mock, the only thing mocked). A missing,
 * expired, foreign or forged JWT gets nobody in and changes nothing.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { isolateFetch, ORIGIN, standIn, type ErrorAnswer } from './helpers.ts';

const TEAM = 'https://team.cloudflareaccess.com';
const AUD = 'aud-of-the-console-application';
const ACCESS = { AUTH_MODE: 'access', ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD } as const;
const HOST = 'https://console.example.com';

let ours: { privateKey: CryptoKey; jwk: JWK };
let stranger: { privateKey: CryptoKey };
let network: MockNetwork;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  ours = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'team-key-1', alg: 'RS256', use: 'sig' } };
  stranger = { privateKey: (await generateKeyPair('RS256')).privateKey };
});

function serveKeys(answer: () => Response = () => Response.json({ keys: [ours.jwk] })) {
  network = mockNetwork().on('GET', `${TEAM}/cdn-cgi/access/certs`, answer);
}

afterEach(() => network?.restore());

interface Claims {
  aud?: string;
  iss?: string;
  exp?: number;
  key?: CryptoKey;
  email?: string;
}

async function accessJwt({
  aud = AUD,
  iss = TEAM,
  exp = Math.floor(Date.now() / 1000) + 3600,
  key,
  email = 'ops@example.com',
}: Claims = {}) {
  return new SignJWT({ email, type: 'app' })
    .setProtectedHeader({ alg: 'RS256', kid: 'team-key-1' })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject('user-7f3a')
    .setIssuedAt(exp - 7200)
    .setExpirationTime(exp)
    .sign(key ?? ours.privateKey);
}

const get = (path: string, jwt: string | null, headers: Record<string, string> = {}) =>
  isolateFetch(ACCESS, `${HOST}${path}`, { headers: { ...(jwt !== null && { 'Cf-Access-Jwt-Assertion': jwt }), ...headers } });

describe('with Cloudflare Access', () => {
  it('lets a valid JWT in, as the operator it names', async () => {
    serveKeys();
    const response = await get('/api/session', await accessJwt());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ operator: 'ops@example.com', via: 'access' });
  });

  it('sends the operator named by Access to the owner on every call (X-Operator), never a token', async () => {
    serveKeys();
    const response = await get('/api/links', await accessJwt());
    expect(response.status).toBe(200);
    const [seen] = await standIn('shortener').seen();
    expect(seen).toMatchObject({ method: 'GET', path: '/api/links', operator: 'ops@example.com' });
  });

  it.each([
    ['missing', null, 'sign in first'],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 60 }, 'expired'],
    ['for another application (wrong audience)', { aud: 'another-application' }, 'not valid'],
    ['from another team (wrong issuer)', { iss: 'https://other.cloudflareaccess.com' }, 'not valid'],
    ['signed by a key the team does not publish', 'stranger', 'not valid'],
  ] as const)('refuses a JWT %s: 401 on the API, back to sign-in on a screen, nothing forwarded', async (_what, claims, message) => {
    serveKeys();
    const jwt = claims === null ? null : await accessJwt(claims === 'stranger' ? { key: stranger.privateKey } : claims);
    const api = await get('/api/links', jwt);
    expect(api.status).toBe(401);
    const body = (await api.json()) as ErrorAnswer;
    expect(body.error.code).toBe('signed_out');
    expect(body.error.message).toContain(message);
    expect(body.error.field).toBe('Cf-Access-Jwt-Assertion');

    const page = await get('/links', jwt, { 'Sec-Fetch-Mode': 'navigate' });
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/signin?next=%2Flinks');

    const write = await isolateFetch(ACCESS, `${HOST}/api/links`, {
      method: 'POST',
      headers: { ...(jwt !== null && { 'Cf-Access-Jwt-Assertion': jwt }), Origin: HOST, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/' }),
    });
    expect(write.status).toBe(401);
    expect(await standIn('shortener').seen()).toEqual([]);
  });

  it('shows a sign-in page that points at Access, and has no local sign-in', async () => {
    serveKeys();
    const page = await get('/signin?next=%2Ffeed', null);
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).toContain('Cloudflare Access');
    expect(html).not.toContain('name="token"');
    const local = await isolateFetch(ACCESS, `${HOST}/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: HOST },
      body: new URLSearchParams({ token: 'dev-token' }),
    });
    expect(local.status).toBe(404);
    expect(local.headers.get('Set-Cookie')).toBeNull();
  });

  it('answers 503, not a sign-in, when the team keys cannot be fetched', async () => {
    serveKeys(() => new Response('upstream gone', { status: 502 }));
    const response = await get('/api/session', await accessJwt());
    expect(response.status).toBe(503);
    expect(((await response.json()) as ErrorAnswer).error.code).toBe('unavailable');
  });

  it('still needs the CSRF token on writes', async () => {
    serveKeys();
    const jwt = await accessJwt();
    const session = (await (await get('/api/session', jwt)).json()) as { csrf: string };
    const write = (csrf: string) =>
      isolateFetch(ACCESS, `${HOST}/api/feed/_status`, {
        method: 'POST',
        headers: { 'Cf-Access-Jwt-Assertion': jwt, Origin: HOST, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
        body: JSON.stringify({ mode: 'open' }),
      });
    expect((await write('not-the-token')).status).toBe(403);
    expect(await standIn('feed').seen()).toEqual([]);
    expect((await write(session.csrf)).status).toBe(200);
    expect((await standIn('feed').seen()).map((s) => s.operator)).toEqual(['ops@example.com']);
  });
});

describe('a misconfigured Access mode', () => {
  it('is a 500 naming the var, never an open door', async () => {
    const response = await isolateFetch({ ...ACCESS, ACCESS_AUD: '' }, `${ORIGIN}/api/session`);
    expect(response.status).toBe(500);
    const body = (await response.json()) as ErrorAnswer;
    expect(body.error.code).toBe('config_invalid');
    expect(body.error.field).toBe('ACCESS_AUD');
  });
});
