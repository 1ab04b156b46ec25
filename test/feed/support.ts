// Helpers for the feed worker's tests in workerd: every test gets its own upstream origin, hence
// its own FeedBreaker Durable Object, and its own env object, hence its own per-isolate state
// (workers/feed/src/state.ts), so tests never share breaker state; the KV tier is real local KV,
// emptied before each test.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import worker from '../../workers/feed/src/index.ts';
import type { FeedBody } from '../../workers/feed/src/feed.ts';

export const ADMIN = { Authorization: 'Bearer test-admin-token' };

let counter = 0;

/** A fresh upstream origin and the vars that point the worker at it. Fast knobs for tests. */
export function freshUpstream(vars: Record<string, string> = {}) {
  const origin = `http://rec-${Date.now().toString(36)}-${++counter}.test`;
  return {
    origin,
    env: {
      ...env,
      RECOMMENDER_URL: origin,
      BREAKER_TIMEOUT_MS: '100',
      BREAKER_SLOW_CALL_MS: '90',
      BREAKER_OPEN_MS: '60000',
      BREAKER_FLUSH_MS: '0',
      BREAKER_SYNC_MS: '50',
      EVENTS_FLUSH_MS: '0',
      ...vars,
      // The generated FeedEnv pins every var to its wrangler.toml literal; tests vary them.
    } as unknown as FeedEnv,
  };
}

/** Another isolate of the same deployment: the same bindings and vars, none of the state. */
export function newIsolate(workerEnv: FeedEnv): FeedEnv {
  return { ...workerEnv };
}

export async function emptyFeedCache(): Promise<void> {
  const { keys } = await env.FEED_CACHE.list();
  await Promise.all(keys.map((k) => env.FEED_CACHE.delete(k.name)));
}

/**
 * Per test: an empty KV tier and a fresh network mock, restored (and checked for unmatched
 * requests) after it, with real timers and no spies left. Answers the current test's mock.
 */
export function networkPerTest(): () => MockNetwork {
  let network: MockNetwork;
  beforeEach(async () => {
    await emptyFeedCache();
    network = mockNetwork();
  });
  afterEach(() => {
    network.restore();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  return () => network;
}

/** One request through the worker, then its background work (ctx.waitUntil) run to the end. */
export async function call(workerEnv: FeedEnv, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://feed.test${path}`, init), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function feed(workerEnv: FeedEnv, path: string) {
  const response = await call(workerEnv, path);
  expect(response.status).toBe(200);
  const body = (await response.json()) as FeedBody;
  expect(response.headers.get('X-Feed-Mode')).toBe(body.mode);
  return { response, body };
}

export async function runCron(workerEnv: FeedEnv) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *' }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
}

/** The recommender's answer for a tab and user, as the demo recommender shapes it. */
export function recommenderFeed(tab: string, user: string | null) {
  const who = user ?? 'anyone';
  return {
    tab,
    user,
    personalized: user !== null,
    items: Array.from({ length: 3 }, (_, i) => ({ id: `${tab}-${who}-${i}`, title: `${who} ${tab} ${i}` })),
  };
}

/** A handler that answers like the recommender for the URL it is given. */
export function healthy(request: Request): Response {
  const url = new URL(request.url);
  const tab = url.pathname.split('/').pop() ?? '';
  return Response.json(recommenderFeed(tab, url.searchParams.get('user')));
}

/** A handler that never answers until the caller gives up (its signal aborts). */
export function hanging(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener('abort', () => reject(request.signal.reason));
  });
}

/**
 * Moves the clock of this isolate (the worker and its Durable Object run in it) `ms` forward,
 * instead of waiting for real time to pass.
 */
export function advanceClock(ms: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
}
