// Global render coalescing: two isolates (two copies of `env`, so two edge states with holder names
// of their own) share the real local `Leases` Durable Object namespace. Only the holder of a page's
// lease renders and takes budget; the other answers FALLBACK at once; a holder that dies lets the
// lease run out; a lease object that cannot answer never keeps a miss from rendering.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheKey } from '../../workers/edge/src/cache-key.ts';
import type { LeaseAnswer } from '../../shared/lease/lease.ts';
import { ORIGIN, UA, callEdge, releaseRenders, renderArrived, renderCount, setMode, uniquePath } from './helpers.ts';

/** A fresh isolate with the lease on (the project turns it off for every other test). */
function isolate(extra: Partial<Record<keyof EdgeEnv, unknown>> = {}): EdgeEnv {
  return { ...env, RENDER_LEASE_MS: '90000', RENDER_WAIT_MS: '20000', ...extra } as EdgeEnv;
}

/** The real rate limiters, counting every time this isolate asks them for budget. */
function countingBudget(): { taken: () => number; bindings: Pick<EdgeEnv, 'RENDER_LIMIT_GLOBAL' | 'RENDER_LIMIT_CATEGORY'> } {
  let taken = 0;
  const counting = (limiter: RateLimit): RateLimit => ({
    limit(options) {
      taken++;
      return limiter.limit(options);
    },
  });
  return {
    taken: () => taken,
    bindings: { RENDER_LIMIT_GLOBAL: counting(env.RENDER_LIMIT_GLOBAL), RENDER_LIMIT_CATEGORY: counting(env.RENDER_LIMIT_CATEGORY) },
  };
}

async function indexKey(path: string): Promise<string> {
  return (await cacheKey(`${ORIGIN}${path}`, 'desktop')).index;
}

function leaseOf(index: string) {
  return env.RENDER_LEASES.get(env.RENDER_LEASES.idFromName(index));
}

const pending: Promise<unknown>[] = [];
afterEach(async () => {
  await Promise.allSettled(pending.splice(0));
});

describe('a page is rendered once across isolates (its render lease)', () => {
  it('concurrent misses in two isolates: one renders, the other answers FALLBACK at once without taking budget', async () => {
    const path = uniquePath('lease-two');
    await setMode(path, 'held');
    const a = isolate();
    const budgetB = countingBudget();
    const b = isolate(budgetB.bindings);

    const first = callEdge(path, UA.googlebot, {}, a);
    pending.push(first);
    await renderArrived(path);

    const second = await callEdge(path, UA.googlebot, {}, b);
    expect(second.response.headers.get('X-Prerender')).toBe('FALLBACK');
    await second.settled();
    expect(budgetB.taken()).toBe(0);

    await releaseRenders(path);
    const { response, settled } = await first;
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    await settled();
    expect(await renderCount(path)).toBe(1);

    // The lease stays A's for its 90 s: a third isolate asking now is refused too.
    const answer = await leaseOf(await indexKey(path)).acquire('third-isolate', 90_000);
    expect(answer.granted).toBe(false);
  });

  it('a holder that dies mid-lease: others answer FALLBACK until it runs out, then the next miss renders', async () => {
    const path = uniquePath('lease-dead');
    const dead: LeaseAnswer = await leaseOf(await indexKey(path)).acquire('dead-isolate', 300);
    expect(dead.granted).toBe(true);
    const b = isolate();

    const refused = await callEdge(path, UA.googlebot, {}, b);
    expect(refused.response.headers.get('X-Prerender')).toBe('FALLBACK');
    await refused.settled();
    expect(await renderCount(path)).toBe(0);

    // Past the dead holder's lease (its own stated end, on the clock the object decides by).
    while (Date.now() <= dead.until) await scheduler.wait(50);
    const { response, settled } = await callEdge(path, UA.googlebot, {}, b);
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    await settled();
    expect(await renderCount(path)).toBe(1);
    const after = await leaseOf(await indexKey(path)).acquire('third-isolate', 90_000);
    expect(after.granted).toBe(false);
    expect(after.holder).not.toBe('dead-isolate');
  });

  it('a lease object that throws: the miss renders as without a lease', async () => {
    const path = uniquePath('lease-down');
    const down = {
      idFromName: (name: string) => env.RENDER_LEASES.idFromName(name),
      get: () => ({ acquire: () => Promise.reject(new Error('Durable Object is overloaded')) }),
    };
    const { response, settled } = await callEdge(path, UA.googlebot, {}, isolate({ RENDER_LEASES: down }));
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    await settled();
    expect(await renderCount(path)).toBe(1);
  });

  it('a lease object that never answers: past RENDER_LEASE_WAIT_MS the miss renders as without a lease', async () => {
    const path = uniquePath('lease-hung');
    const hung = {
      idFromName: (name: string) => env.RENDER_LEASES.idFromName(name),
      get: () => ({ acquire: () => new Promise<never>(() => {}) }),
    };
    const { response, settled } = await callEdge(path, UA.googlebot, {}, isolate({ RENDER_LEASES: hung, RENDER_LEASE_WAIT_MS: '50' }));
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    await settled();
    expect(await renderCount(path)).toBe(1);
  });
});

describe('a lease object keeps nothing past its lease', () => {
  const stored = (stub: ReturnType<typeof leaseOf>) =>
    runInDurableObject(stub, (_instance, state: DurableObjectState) => state.storage.get('lease'));

  it('its alarm at the lease end deletes the lease; a renewed lease is kept until its new end', async () => {
    const ended = leaseOf(uniquePath('lease-ended'));
    const short = await ended.acquire('isolate-a', 100);
    expect(short.granted).toBe(true);
    while (Date.now() <= short.until) await scheduler.wait(20);
    // The alarm is due: it has fired on its own by now, or runs here.
    await runDurableObjectAlarm(ended);
    expect(await stored(ended)).toBeUndefined();
    // Forgotten, not broken: the next asker gets it.
    expect((await ended.acquire('isolate-b', 90_000)).granted).toBe(true);

    const renewed = leaseOf(uniquePath('lease-renewed'));
    expect((await renewed.acquire('isolate-a', 100)).granted).toBe(true);
    const again = await renewed.acquire('isolate-a', 90_000);
    expect(again.granted).toBe(true);
    expect(await runDurableObjectAlarm(renewed)).toBe(true);
    expect(await stored(renewed)).toEqual({ holder: 'isolate-a', until: again.until });
    expect((await renewed.acquire('isolate-b', 90_000)).granted).toBe(false);
  });
});
