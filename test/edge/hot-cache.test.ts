import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../workers/edge/src/index.ts';
import { HotCache } from '../../workers/edge/src/hot-cache.ts';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';
import { ORIGIN, UA, renderCount, uniquePath } from './helpers.ts';

const hotEnv = { ...env, HOT_CACHE_SECONDS: '30' } as unknown as EdgeEnv;

async function call(path: string, init: RequestInit = {}, e: EdgeEnv = hotEnv) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set('User-Agent', UA.googlebot);
  const response = await worker.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }) as never, e, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('in-isolate hot cache (HOT_CACHE_SECONDS)', () => {
  it('serves a hot snapshot without reading KV or R2', async () => {
    const path = uniquePath('hot');
    expect((await call(path)).headers.get('X-Prerender')).toBe('MISS');
    const key = `snap:desktop:${ORIGIN}${path}`;
    const entry = (await env.PRERENDER_INDEX.get<SnapshotEntry>(key, 'json'))!;
    // Storage emptied behind the isolate's back: the hot copy still answers.
    await env.PRERENDER_INDEX.delete(key);
    await env.SNAPSHOTS.delete(entry.r2Key!);
    const hit = await call(path);
    expect(hit.headers.get('X-Prerender')).toBe('HIT');
    expect(await hit.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(1);
  });

  it('forgets a purged page at once in the isolate that purged it', async () => {
    const path = uniquePath('hot-purge');
    await call(path);
    const purge = await call('/__prerender/purge', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${ORIGIN}${path}` }),
    });
    expect(await purge.json()).toMatchObject({ purged: 1 });
    expect((await call(path)).headers.get('X-Prerender')).toBe('MISS');
  });
});

describe('HotCache', () => {
  const entry = (hash: string) => ({ hash }) as SnapshotEntry;

  it('expires entries and evicts the least recently used past its byte budget', () => {
    const cache = new HotCache(4_000);
    const body = 'x'.repeat(200); // 912 bytes as counted: four fit, the fifth evicts one
    cache.set('a', entry('a'), body, 1_000, 0);
    cache.set('b', entry('b'), body, 1_000, 0);
    expect(cache.get('a', 10)?.entry.hash).toBe('a'); // a is now most recently used
    for (const key of ['c', 'd', 'e']) cache.set(key, entry(key), body, 1_000, 0);
    expect(cache.get('b', 10)).toBeNull();
    expect(cache.get('e', 10)?.entry.hash).toBe('e');
    expect(cache.get('a', 10)?.entry.hash).toBe('a');
    expect(cache.get('a', 1_000)).toBeNull();
  });

  it('keeps nothing with a zero TTL and refuses one page larger than a quarter of the budget', () => {
    const cache = new HotCache(8_000);
    cache.set('a', entry('a'), 'x', 0, 0);
    cache.set('b', entry('b'), 'x'.repeat(2000), 1_000, 0);
    expect([cache.get('a', 0), cache.get('b', 0)]).toEqual([null, null]);
  });
});
