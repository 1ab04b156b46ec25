// One writer per hot key: two isolates (two workers sharing one `Leases` namespace and one KV
// namespace) both answer live anonymous feeds; only the holder of the tab's lease writes KV. And a
// holder that dies mid-lease: nobody writes until its lease runs out, then the next asker does.
import { describe, expect, it } from 'vitest';
import { clusterPerTest, sleep, type Cluster } from './cluster.ts';

const start = clusterPerTest();

/** Resolves once the tab's KV entry exists (the write runs in the background of an answer). */
async function written(c: Cluster, tab: string): Promise<number> {
  for (;;) {
    const at = await c.storedAt(tab);
    if (at !== null) return at;
    await sleep(20);
  }
}

describe('the last good feed has one writer per tab per interval', () => {
  it('the isolate that takes the lease writes; the other skips its write in the same interval', async () => {
    const { cluster: c } = await start({ mode: 'ok' }, { CACHE_WRITE_EVERY_S: '60' });
    const home = (line: Record<string, unknown>) => line.key === 'feed:v1:home';

    expect((await c.get('a', '/api/feed/home')).mode).toBe('live');
    const won = await c.waitForLog('feed.lease.won', home);
    const first = await written(c, 'home');

    expect((await c.get('b', '/api/feed/home')).mode).toBe('live');
    const skipped = await c.waitForLog('feed.lease.skipped', home);
    // B was told A holds the lease (a different isolate, the same interval) and so wrote nothing.
    expect(skipped.holder).toBe(won.holder);
    expect(skipped.until).toBe(won.until);
    expect(await c.storedAt('home')).toBe(first);
  });

  it('a holder that dies mid-lease: its interval is not written, and after it runs out the next isolate writes', async () => {
    const { recommender, cluster: c } = await start({ mode: 'ok' }, { CACHE_WRITE_EVERY_S: '1' });
    const trending = (line: Record<string, unknown>) => line.key === 'feed:v1:trending';

    // A third isolate takes the tab's lease and dies before writing anything.
    const dead = await c.acquireLease(new URL(recommender.url).origin, 'feed:v1:trending', 'dead-isolate', 1_000);
    expect(dead.granted).toBe(true);

    expect((await c.get('b', '/api/feed/trending')).mode).toBe('live');
    const skipped = await c.waitForLog('feed.lease.skipped', trending);
    expect(skipped.holder).toBe('dead-isolate');
    expect(await c.storedAt('trending')).toBeNull();

    // Past the dead holder's lease (its own stated end, and B's one-second write interval).
    await sleep(Math.max(0, dead.until - Date.now()) + 1_050);
    expect((await c.get('b', '/api/feed/trending')).mode).toBe('live');
    const won = await c.waitForLog('feed.lease.won', (line) => trending(line) && line.holder !== 'dead-isolate');
    expect(won.until).toBeGreaterThan(dead.until);
    expect(await written(c, 'trending')).toBeGreaterThanOrEqual(dead.until);
  });
});
