// The demo services over HTTP, as `npm start` and the e2e tests use them: the recommender's
// switches, and the demo token issuer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRecommender, type Recommender } from '../../demo/recommender/server.mjs';

let recommender: Recommender | undefined;
afterEach(async () => {
  await recommender?.close();
  recommender = undefined;
});

const control = (r: Recommender, body: unknown) => fetch(`${r.url}/_control`, { method: 'POST', body: JSON.stringify(body) });

describe('demo recommender', () => {
  it('answers personalised feeds per user, and one anonymous feed without a user', async () => {
    recommender = await startRecommender();
    const get = async (q: string) =>
      (await (await fetch(`${recommender!.url}/feed/home${q}`)).json()) as { personalized: boolean; items: { id: string }[] };
    const [alice, bob, anon] = await Promise.all([get('?user=alice'), get('?user=bob'), get('')]);
    expect(alice.personalized).toBe(true);
    expect(anon.personalized).toBe(false);
    expect(alice.items.map((i) => i.id)).not.toEqual(bob.items.map((i) => i.id));
    expect((await get('?user=alice')).items).toEqual(alice.items); // stable per user
    expect((await fetch(`${recommender.url}/feed/nope`)).status).toBe(404);
  });

  it.each([
    { mode: 'fail', status: 500, retryAfter: null },
    { mode: '429', status: 429, retryAfter: '7' },
  ])('switches to $mode over POST /_control', async ({ mode, status, retryAfter }) => {
    recommender = await startRecommender();
    expect((await control(recommender, { mode, retryAfter: 7 })).status).toBe(200);
    const response = await fetch(`${recommender.url}/feed/home`);
    expect(response.status).toBe(status);
    expect(response.headers.get('Retry-After')).toBe(retryAfter);
  });

  it('flaps: every other request fails', async () => {
    recommender = await startRecommender({ mode: 'flap' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${recommender.url}/feed/new`)).status);
    expect(statuses).toEqual([200, 500, 200, 500]);
  });

  it('hangs until the client gives up', async () => {
    recommender = await startRecommender({ mode: 'hang' });
    const error = await fetch(`${recommender.url}/feed/home`, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(recommender.state.byStatus.hang).toBe(1);
  });

  it('concurrency: works on that many requests at once, the rest wait their turn', async () => {
    recommender = await startRecommender({ mode: 'slow', delayMs: 60_000, concurrency: 1 });
    const r = recommender;
    const gaveUp = new AbortController();
    const calls = Array.from({ length: 3 }, () => fetch(`${r.url}/feed/home`, { signal: gaveUp.signal }).catch(() => null));
    await vi.waitUntil(() => r.state.requests === 3);
    expect(r.state.queued).toBe(2);
    // Unlimited again: the waiting are let in (and are now as slow as the first).
    r.setMode({ concurrency: 0 });
    expect(r.state.queued).toBe(0);
    gaveUp.abort();
    await Promise.all(calls);
  });

  it('down: drops the connection without an answer, as a stopped service would', async () => {
    recommender = await startRecommender({ mode: 'down' });
    const error = await fetch(`${recommender.url}/feed/home`).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(recommender.state.byStatus.down).toBe(1);
  });

  it.each([{ mode: 'explode' }, { delayMs: -1 }, 'text'])('rejects a bad switch %j with 400', async (body) => {
    recommender = await startRecommender();
    const response = await control(recommender, body);
    expect(response.status).toBe(400);
    expect(recommender.state.mode).toBe('ok');
  });
});

describe('demo token issuer', () => {
  const signIn = (r: Recommender, body: unknown) =>
    fetch(`${r.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('signs a user in with an ES256 token its published key set verifies, for the feed audience', async () => {
    recommender = await startRecommender();
    const response = await signIn(recommender, { user: 'alice' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const { token, tokenType } = (await response.json()) as { token: string; tokenType: string };
    expect(tokenType).toBe('Bearer');
    const jwks = await (await fetch(`${recommender.url}/.well-known/jwks.json`)).json();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: recommender.url, audience: 'feed' });
    expect(payload.sub).toBe('alice');
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it.each([{}, { user: 'a b' }, { user: 'alice', ttlSeconds: 0 }])('refuses %j with 400', async (body) => {
    recommender = await startRecommender();
    const response = await signIn(recommender, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_token_request');
  });

  it("answers the SPA's preflight", async () => {
    recommender = await startRecommender();
    const response = await fetch(`${recommender.url}/auth/token`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Headers')).toBe('Content-Type');
  });

  it('keeps its key pair in the key file, so a restart still vouches for earlier tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'issuer-'));
    try {
      const keyFile = join(dir, 'key.json');
      recommender = await startRecommender({ keyFile, issuer: 'http://localhost:8793' });
      const first = recommender.issuer.jwks;
      await recommender.close();
      recommender = await startRecommender({ keyFile, issuer: 'http://localhost:8793' });
      expect(recommender.issuer.jwks).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
