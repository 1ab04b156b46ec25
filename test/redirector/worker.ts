/**
 * The redirector called directly, each test with an isolate of its own: the worker keeps its
 * per-isolate state per `env` object (workers/redirector/src/state.ts), so a fresh copy of `env`
 * is a fresh isolate's memory.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../workers/redirector/src/index.ts';
import type { Env } from '../../workers/redirector/src/env.ts';

/**
 * The bindings as the worker sees them. The generated `Cloudflare.Env` leaves `LINK_AUTHORITY`
 * (a class of another script) untyped; the worker's `Env` types it from the shortener's class, so
 * the test harness, and only it, asserts that the runtime's env is that `Env`.
 */
export const workerEnv = env as unknown as Env;

/** A new isolate's env: the same bindings, with `overrides` (fault injection) on top. */
export function isolateEnv(overrides: Partial<Env> = {}): Env {
  return { ...workerEnv, ...overrides };
}

/** One request through the worker; its `ctx.waitUntil` work (click counting) is run to the end. */
export async function visit(isolate: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://sho.rt${path}`, { redirect: 'manual', ...init }), isolate, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
