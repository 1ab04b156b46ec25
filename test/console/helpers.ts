/**
 * How the console's tests talk to it: through SELF (the worker as wrangler.toml configures it,
 * local sign-in), or through `worker.fetch` with a copy of `env` (a fresh isolate with other vars:
 * Access mode, a short owner timeout). Every stand-in owner is reset after each test, and a request
 * it did not know fails the test.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { afterEach, expect } from 'vitest';
import worker from '../../workers/console/src/index.ts';
import { SESSION_SECRET } from './secrets.ts';
import type { Seen, StandInMode } from './standins/support.ts';

export const ORIGIN = 'http://localhost:8794';
export type Owner = 'shortener' | 'edge' | 'feed';

const CONTROL: Record<Owner, () => Fetcher> = {
  shortener: () => env.SHORTENER_CONTROL,
  edge: () => env.EDGE_CONTROL,
  feed: () => env.FEED_CONTROL,
};

export const standIn = (owner: Owner) => ({
  async mode(mode: StandInMode): Promise<void> {
    await CONTROL[owner]().fetch('http://standin/_standin/mode', { method: 'POST', body: JSON.stringify({ mode }) });
  },
  async seen(): Promise<Seen[]> {
    return (await CONTROL[owner]().fetch('http://standin/_standin/seen')).json();
  },
  async unknown(): Promise<string[]> {
    return (await CONTROL[owner]().fetch('http://standin/_standin/unknown')).json();
  },
  async reset(): Promise<void> {
    await CONTROL[owner]().fetch('http://standin/_standin/reset', { method: 'POST' });
  },
});

afterEach(async () => {
  for (const owner of ['shortener', 'edge', 'feed'] as const) {
    const unknown = await standIn(owner).unknown();
    await standIn(owner).reset();
    expect(unknown, `requests the ${owner} stand-in did not know`).toEqual([]);
  }
});

/** The `name=value` of a Set-Cookie header. */
export function cookieOf(response: Response): string {
  const header = response.headers.get('Set-Cookie') ?? '';
  return header.split(';')[0] ?? '';
}

/** Signs in with a local token through the form; answers the session cookie (`name=value`). */
export async function signIn(token = 'dev-token'): Promise<string> {
  const response = await SELF.fetch(`${ORIGIN}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN },
    body: new URLSearchParams({ token, next: '/links' }),
  });
  expect(response.status).toBe(303);
  return cookieOf(response);
}

export interface Client {
  cookie: string;
  csrf: string;
  /** A same-origin call with the session cookie, and the CSRF token on writes. */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

export async function signedIn(): Promise<Client> {
  const cookie = await signIn();
  const session = await SELF.fetch(`${ORIGIN}/api/session`, { headers: { Cookie: cookie } });
  const { csrf } = (await session.json()) as { csrf: string };
  return {
    cookie,
    csrf,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('Cookie', cookie);
      const method = (init.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') {
        if (!headers.has('Origin')) headers.set('Origin', ORIGIN);
        if (!headers.has('X-CSRF-Token')) headers.set('X-CSRF-Token', csrf);
      }
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set('Content-Type', 'application/json');
      }
      return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, body, redirect: 'manual' });
    },
  };
}

/** A local session cookie signed with `secret` and ending at `exp` (seconds). */
export async function forgedSession(exp: number, secret = SESSION_SECRET): Promise<string> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('local')
    .setAudience('console')
    .setJti('forged')
    .setIssuedAt(exp - 60)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
  return `console_session=${jwt}`;
}

/** The console in a fresh isolate with `vars` over the configured ones; waitUntil work is run to the end. */
export async function isolateFetch(
  vars: Partial<Record<keyof ConsoleEnv, string>>,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  const isolate = { ...env, ...vars } as ConsoleEnv;
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(url, { redirect: 'manual', ...init }), isolate, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}
