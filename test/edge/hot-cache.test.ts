import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';
import { ORIGIN, UA, callEdge, renderCount, uniquePath } from './helpers.ts';

// One env object: one isolate state, so one hot cache for every call of this file.
const hotEnv = { ...env, HOT_CACHE_SECONDS: '30' } as unknown as EdgeEnv;

async function call(path: string, init: RequestInit = {}) {
  const { response, settled } = await callEdge(path, UA.googlebot, init, hotEnv);
  await settled();
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
