import { SELF } from 'cloudflare:test';
import { verify } from 'http-message-sig';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BoundedMap } from '../../shared/bounded-map.ts';
import { SingleFlight } from '../../workers/edge/src/budget.ts';
import { SignatureMemo, SIGNATURE_MEMO_LIMITS } from '../../workers/edge/src/identity/signature-memo.ts';
import { verifySignature, type SignatureDeps } from '../../workers/edge/src/identity/web-bot-auth.ts';
import {
  directoryTtlSeconds,
  directoryUrl,
  DIRECTORY_LIMITS,
  KeyDirectories,
  type Directory,
} from '../../workers/edge/src/identity/key-directory.ts';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { ORIGIN, UA, renderCount, uniquePath } from './helpers.ts';
import { DIRECTORY_PATH, newAgent, serveDirectory, signedHeaders, type Agent, type SignOptions } from './signing.ts';

let network: MockNetwork;
beforeEach(() => {
  network = mockNetwork();
});
afterEach(() => network.restore());

/** A fresh agent origin per test: key directories are cached per isolate. */
let port = 9100;
const nextOrigin = () => `http://127.0.0.1:${port++}`;

/** What `verifySignature` needs, fresh: an isolate that has seen no directory, nonce or signature. */
function freshDeps(directoryCache = new BoundedMap<Directory>({ maxEntries: 10 })): SignatureDeps {
  return {
    directories: new KeyDirectories(directoryCache, new SingleFlight<Directory>()),
    nonces: new BoundedMap<true>({ maxEntries: 10 }),
    memo: new SignatureMemo(),
    allowLocalDirectories: true,
  };
}

async function fetchSigned(path: string, agent: Agent, options: SignOptions = {}, userAgent = UA.chrome): Promise<Response> {
  const url = `${ORIGIN}${path}`;
  const headers = await signedHeaders(url, agent, options);
  return SELF.fetch(url, { headers: { ...headers, 'User-Agent': userAgent, Accept: 'text/html' }, redirect: 'manual' });
}

describe('RFC 9421 Appendix B.2.6: the Ed25519 test vector, through the library the edge verifies with', () => {
  // B.1.4 test-key-ed25519 (public half) and the B.2 request with its B.2.6 signature.
  const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' };
  const request = (signature: string) => ({
    method: 'POST',
    url: 'https://example.com/foo?param=Value&Pet=dog',
    headers: {
      Host: 'example.com',
      Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'Content-Type': 'application/json',
      'Content-Digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'Content-Length': '18',
      'Signature-Input':
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      Signature: `sig-b26=:${signature}:`,
    },
  });
  const SIGNATURE = 'wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==';

  async function verifies(signature: string): Promise<boolean> {
    const key = await crypto.subtle.importKey('jwk', publicJwk, { name: 'Ed25519' }, false, ['verify']);
    return verify(request(signature), (data, bytes) => crypto.subtle.verify('Ed25519', key, bytes, new TextEncoder().encode(data)));
  }

  it('accepts the published signature over the published signature base', async () => {
    expect(await verifies(SIGNATURE)).toBe(true);
  });

  it('rejects it with one bit flipped', async () => {
    expect(await verifies(`x${SIGNATURE.slice(1)}`)).toBe(false);
  });
});

describe('a signed agent with a browser User-Agent', () => {
  it('is a verified agent: its page answer carries X-Prerender and it may render', async () => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    serveDirectory(network, origin, [agent]);
    const path = uniquePath('signed');
    const response = await fetchSigned(path, agent);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    expect(response.headers.get('Content-Signal')).toBe('search=yes, ai-input=yes, ai-train=no');
    expect(await response.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(1);
  });

  it('signed by a key absent from its directory, is a person: no X-Prerender, no render', async () => {
    const origin = nextOrigin();
    const [listed, stranger] = [await newAgent(origin), await newAgent(origin)];
    serveDirectory(network, origin, [listed]);
    const path = uniquePath('stranger');
    const response = await fetchSigned(path, stranger);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(await response.text()).toContain('<div id="app"></div>');
    expect(await renderCount(path)).toBe(0);
  });

  it('fetches its directory once, then verifies from the cache', async () => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    serveDirectory(network, origin, [agent]);
    for (let i = 0; i < 3; i++) expect((await fetchSigned(uniquePath('cached'), agent)).headers.get('X-Prerender')).toBe('MISS');
    expect(network.requests.filter((r) => r.url.endsWith(DIRECTORY_PATH))).toHaveLength(1);
  });
});

describe('signatures that must not verify: each served as the unsigned request, never a 5xx, never a render', () => {
  const cases: Array<[string, SignOptions, string]> = [
    ['expired', { createdIn: -120, expiresIn: -30 }, 'expired'],
    ['created in the future (past the clock skew)', { createdIn: 600, expiresIn: 900 }, 'created-in-future'],
    ['a keyid that is not the key thumbprint', { keyid: 'not-the-thumbprint' }, 'unknown-keyid'],
    ['Signature-Agent sent but not covered', { components: ['@authority'] }, 'signature-agent-not-covered'],
    ['@authority not covered', { components: ['signature-agent'] }, 'authority-not-covered'],
    ['another tag', { tag: 'another-protocol' }, 'not-web-bot-auth'],
    ['no Signature-Agent', { signatureAgent: null, components: ['@authority'] }, 'missing-signature-agent'],
    ['Signature-Agent not a quoted string', { signatureAgent: 'http://127.0.0.1:1/' }, 'signature-agent-not-allowed'],
    ['a validity window of days', { expiresIn: 3 * 86_400 }, 'validity-too-long'],
  ];

  it.each(cases)('%s: rejected for that reason', async (_label, options, reason) => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    network.on('GET', `${origin}${DIRECTORY_PATH}`, () => Response.json({ keys: [agent.publicJwk] }));
    const url = `${ORIGIN}/page/x`;
    const request = new Request(url, { headers: await signedHeaders(url, agent, options) });
    const deps = freshDeps();
    expect(await verifySignature(request, deps)).toEqual({ ok: false, reason });
  });

  /** The signed request's headers with one changed: what the library itself refuses, and a forged signature. */
  const tampered: Array<[string, (headers: Record<string, string>) => void, string]> = [
    ['an unparseable Signature-Input', (h) => void (h['Signature-Input'] = 'sig1=("@authority"'), 'malformed-signature-input'],
    ['a Signature that is not a byte sequence', (h) => void (h.Signature = 'sig1=not-base64'), 'unverifiable-signature'],
    ['a Signature under another label', (h) => void (h.Signature = h.Signature!.replace(/^[\w-]+=/, 'other=')), 'unverifiable-signature'],
    [
      'a signature with one byte changed',
      (h) => void (h.Signature = h.Signature!.replace(/=:(.)/, (_m, c: string) => `=:${c === 'A' ? 'B' : 'A'}`)),
      'bad-signature',
    ],
    [
      'expired and of another tag (the first rule broken is named, whoever finds it)',
      (h) => void (h['Signature-Input'] = h['Signature-Input']!.replace(/expires=\d+/, 'expires=1').replace('web-bot-auth', 'other')),
      'not-web-bot-auth',
    ],
  ];

  it.each(tampered)('%s: rejected for that reason', async (_label, tamper, reason) => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    network.on('GET', `${origin}${DIRECTORY_PATH}`, () => Response.json({ keys: [agent.publicJwk] }));
    const url = `${ORIGIN}/page/x`;
    const headers = await signedHeaders(url, agent);
    tamper(headers);
    const deps = freshDeps();
    expect(await verifySignature(new Request(url, { headers }), deps)).toEqual({ ok: false, reason });
  });

  it.each(cases)('%s: served as unsigned', async (_label, options) => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    network.on('GET', `${origin}${DIRECTORY_PATH}`, () => Response.json({ keys: [agent.publicJwk] }));
    const path = uniquePath('invalid');
    const person = await fetchSigned(path, agent, options);
    expect(person.status).toBe(200);
    expect(person.headers.get('X-Prerender')).toBeNull();
    // The same failure with a crawler's User-Agent: served as that crawler would be, minus the render.
    const crawler = await fetchSigned(path, agent, options, UA.googlebot);
    expect(crawler.status).toBe(200);
    expect(crawler.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await renderCount(path)).toBe(0);
  });

  it('a replayed nonce', async () => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    serveDirectory(network, origin, [agent]);
    const path = uniquePath('replay');
    const url = `${ORIGIN}${path}`;
    const headers = { ...(await signedHeaders(url, agent)), 'User-Agent': UA.chrome };
    expect((await SELF.fetch(url, { headers })).headers.get('X-Prerender')).toBe('MISS');
    const replay = await SELF.fetch(url, { headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('X-Prerender')).toBeNull();
    expect(await renderCount(path)).toBe(1);
  });

  it.each([
    ['hangs', () => new Promise<Response>(() => {})],
    ['is huge', () => new Response(new Uint8Array(DIRECTORY_LIMITS.maxBytes + 1).fill(32))],
    ['is not JSON', () => new Response('<html>keys here</html>', { headers: { 'Content-Type': 'text/html' } })],
    ['is JSON but not a key set', () => Response.json({ keys: 'none' })],
    ['answers 404', () => new Response('not found', { status: 404 })],
  ])('a key directory that %s', async (_label, answer) => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    network.on('GET', `${origin}${DIRECTORY_PATH}`, answer);
    const path = uniquePath('directory');
    const response = await fetchSigned(path, agent, {}, UA.googlebot);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await renderCount(path)).toBe(0);
  });
});

describe('key directories', () => {
  it.each([
    ['"https://agent.example"', false, 'https://agent.example/.well-known/http-message-signatures-directory'],
    [
      '"https://agent.example/.well-known/http-message-signatures-directory"',
      false,
      'https://agent.example/.well-known/http-message-signatures-directory',
    ],
    ['"http://agent.example"', false, null],
    ['"https://agent.example:8443"', false, null],
    ['"https://10.0.0.1"', false, null],
    ['"https://[::1]"', false, null],
    ['"https://localhost"', false, null],
    ['"https://user:pw@agent.example"', false, null],
    ['"https://agent.example/keys.json"', false, null],
    ['"https://agent.example/?x=1"', false, null],
    ['https://agent.example', false, null],
    ['"http://127.0.0.1:9000"', false, null],
    ['"http://127.0.0.1:9000"', true, 'http://127.0.0.1:9000/.well-known/http-message-signatures-directory'],
    ['"http://localhost:9000"', true, 'http://localhost:9000/.well-known/http-message-signatures-directory'],
    ['"http://10.0.0.1:9000"', true, null],
  ])('Signature-Agent %s (local %s) -> %s', (header, local, expected) => {
    expect(directoryUrl(header, local)?.href ?? null).toBe(expected);
  });

  it.each([
    ['max-age=600', 600],
    ['public, max-age=5', 60],
    ['max-age=31536000', 86_400],
    ['no-store', 60],
    [null, 3_600],
  ])('Cache-Control %s keeps a directory %i s', (value, seconds) => {
    expect(directoryTtlSeconds(value, DIRECTORY_LIMITS)).toBe(seconds);
  });

  it('gives up on a slow directory at its deadline, and remembers the failure', async () => {
    const directories = new KeyDirectories(new BoundedMap<Directory>({ maxEntries: 10 }), new SingleFlight<Directory>(), {
      ...DIRECTORY_LIMITS,
      timeoutMs: 20,
    });
    let calls = 0;
    const hanging = (() => {
      calls++;
      return new Promise<Response>(() => {});
    }) as unknown as typeof fetch;
    const url = new URL('https://slow.example/.well-known/http-message-signatures-directory');
    expect(await directories.get(url, hanging)).toEqual({ ok: false, reason: 'directory-timeout' });
    expect(await directories.get(url, hanging)).toEqual({ ok: false, reason: 'directory-timeout' });
    expect(calls).toBe(1);
  });
});

describe('the same signature again (no nonce): verified once, then answered from the memo', () => {
  /** Counts Ed25519 verifications from here on. */
  function ed25519Calls() {
    return vi.spyOn(crypto.subtle, 'verify');
  }
  afterEach(() => vi.restoreAllMocks());

  async function agentWithDirectory() {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    serveDirectory(network, origin, [agent]);
    return agent;
  }

  it('verifies a repeated signature once, on another page too (it does not cover the path)', async () => {
    const agent = await agentWithDirectory();
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent, { nonce: null });
    const deps = freshDeps();
    const calls = ed25519Calls();
    const first = await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps);
    expect(first).toMatchObject({ ok: true });
    expect(calls).toHaveBeenCalledTimes(1);
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toEqual(first);
    expect(await verifySignature(new Request(`${ORIGIN}/page/b?x=1`, { headers }), deps)).toEqual(first);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('verifies again when the directory no longer holds that key object, and fails with another key', async () => {
    const agent = await agentWithDirectory();
    const other = await newAgent(agent.origin);
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent, { nonce: null });
    const cache = new BoundedMap<Directory>({ maxEntries: 10 });
    const deps = freshDeps(cache);
    const first = await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps);
    expect(first).toMatchObject({ ok: true });
    if (!first.ok) return;
    // The same keyid now names another key (as after a directory refetch, but with other material).
    const href = `${agent.origin}${DIRECTORY_PATH}`;
    const otherKey = await crypto.subtle.importKey('jwk', other.publicJwk, { name: 'Ed25519' }, false, ['verify']);
    cache.set(href, { ok: true, keys: new Map([[first.keyid, otherKey]]) });
    const calls = ed25519Calls();
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('still rejects a repeated signature with a nonce as a replay', async () => {
    const agent = await agentWithDirectory();
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent);
    expect(headers['Signature-Input']).toMatch(/;nonce="/);
    const deps = freshDeps();
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toMatchObject({ ok: true });
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toEqual({ ok: false, reason: 'replayed-nonce' });
  });

  it('rejects a remembered signature once it has expired', async () => {
    const agent = await agentWithDirectory();
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent, { nonce: null, expiresIn: 60 });
    const deps = freshDeps();
    const now = Date.now();
    for (const at of [now, now + 30_000]) {
      expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), { ...deps, now: at })).toMatchObject({ ok: true });
    }
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), { ...deps, now: now + 61_000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each([
    ['another @authority', (h: Record<string, string>) => h, 'http://127.0.0.1:8787/page/a'],
    ['another Signature-Agent', (h: Record<string, string>) => ({ ...h, 'Signature-Agent': `"${TWIN_ORIGIN}"` }), `${ORIGIN}/page/a`],
  ])('does not answer %s with the same signature bytes from the memo: it fails', async (_label, tamper, url) => {
    const agent = await agentWithDirectory();
    // The other agent origin publishes the same key: only the signature base tells the requests apart.
    serveDirectory(network, TWIN_ORIGIN, [agent]);
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent, { nonce: null });
    const deps = freshDeps();
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toMatchObject({ ok: true });
    const calls = ed25519Calls();
    expect(await verifySignature(new Request(url, { headers: tamper(headers) }), deps)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(calls).toHaveBeenCalledTimes(1);
    // And the memo still answers the genuine request.
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toMatchObject({ ok: true });
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('remembers a forged signature as bad, and a directory failure not at all', async () => {
    const origin = nextOrigin();
    const agent = await newAgent(origin);
    let up = false;
    network.on('GET', `${origin}${DIRECTORY_PATH}`, () =>
      up ? Response.json({ keys: [agent.publicJwk] }) : new Response('unavailable', { status: 503 }),
    );
    const headers = await signedHeaders(`${ORIGIN}/page/a`, agent, { nonce: null });
    const directoryCache = new BoundedMap<Directory>({ maxEntries: 10 });
    const deps = freshDeps(directoryCache);
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toEqual({
      ok: false,
      reason: 'directory-status-503',
    });
    up = true;
    directoryCache.clear();
    expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers }), deps)).toMatchObject({ ok: true });

    const forged = { ...headers, Signature: headers.Signature!.replace(/=:(.)/, (_m, c: string) => `=:${c === 'A' ? 'B' : 'A'}`) };
    const calls = ed25519Calls();
    for (let i = 0; i < 2; i++) {
      expect(await verifySignature(new Request(`${ORIGIN}/page/a`, { headers: forged }), deps)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    }
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing of a Signature-Input longer than its bound, or with a nonce', () => {
    const memo = new SignatureMemo();
    const now = Date.now();
    const params = `;created=${Math.floor(now / 1000)};expires=${Math.floor(now / 1000) + 60};keyid="k";tag="web-bot-auth"`;
    expect(memo.rememberInput(`sig1=("@authority" "signature-agent")${params}`, now)).toMatchObject({ label: 'sig1' });
    expect(memo.rememberInput(`sig1=("@authority" "signature-agent")${params};nonce="n"`, now)).toBeNull();
    const long = `sig1=("@authority" "signature-agent" "${'x'.repeat(SIGNATURE_MEMO_LIMITS.maxInputLength)}")${params}`;
    expect(memo.rememberInput(long, now)).toBeNull();
    expect(memo.input(long, now)).toBeUndefined();
  });

  it('through the front door: the same signed headers on two pages are a verified agent on both', async () => {
    const agent = await agentWithDirectory();
    const paths = [uniquePath('memo'), uniquePath('memo')];
    const headers = { ...(await signedHeaders(`${ORIGIN}${paths[0]}`, agent, { nonce: null })), 'User-Agent': UA.chrome };
    for (const path of paths) {
      const response = await SELF.fetch(`${ORIGIN}${path}`, { headers });
      expect(response.headers.get('X-Prerender')).toBe('MISS');
      await response.body?.cancel();
    }
  });
});

const TWIN_ORIGIN = 'http://127.0.0.1:9099';
