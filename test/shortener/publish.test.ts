// The authority publishes its own record to KV (workers/shortener/src/publish.ts): a failed put is
// repaired by its alarm, and racing changes leave KV on the authority's final version.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { linkKey } from '../../shared/links/keys.ts';
import type { LinkRecord } from '../../shared/links/record.ts';
import { PUBLISH_GRACE_MS, RETRY_BASE_MS, RETRY_MAX_MS, publishRetryDelay } from '../../workers/shortener/src/publish.ts';
import { api, type LinkJson } from './client.ts';
import { authorityOf, failingPut, hookAuthorityKv, type PutHook } from './kv.ts';
import { tokens } from './tokens.ts';

const [A = '', B = '', C = ''] = tokens(64, 3);

const kvRecord = (code: string) => env.LINKS.get<LinkRecord>(linkKey(code), 'json');
const authorityRecord = (code: string) => authorityOf(code).lookup();
const alarmOf = (code: string) => runInDurableObject(authorityOf(code), (_instance, state) => state.storage.getAlarm());
const attemptsOf = async (code: string) => (await authorityOf(code).publishState())?.attempts ?? 0;
/**
 * Runs the code's alarm now. On a slow machine the real alarm (first retry after 2.5 to 5 s) may
 * have fired already; either way the alarm is what ran the retry.
 */
const fireAlarm = (code: string) => runDurableObjectAlarm(authorityOf(code));

async function createSlug(token: string, slug: string, url = `https://example.com/${slug}`): Promise<LinkJson> {
  const res = await api(token, 'POST', '/api/links', { url, slug });
  expect(res.status).toBe(201);
  return res.json<LinkJson>();
}

describe('a successful change', () => {
  it('leaves KV equal to the authority, nothing pending and no alarm', async () => {
    await createSlug(A, 'pub-ok');
    expect((await api(A, 'PATCH', '/api/links/pub-ok', { title: 'T' })).status).toBe(200);
    expect(await kvRecord('pub-ok')).toEqual(await authorityRecord('pub-ok'));
    expect(await authorityOf('pub-ok').publishState()).toBeNull();
    expect(await alarmOf('pub-ok')).toBeNull();
    expect(await runDurableObjectAlarm(authorityOf('pub-ok'))).toBe(false);
  });
});

describe('a failed KV write on PATCH or DELETE', () => {
  it('PATCH still answers 200; the alarm retries with backoff and then repairs the stale copy', async () => {
    await createSlug(A, 'pub-patch', 'https://example.com/old');
    const restore = await hookAuthorityKv('pub-patch', failingPut);
    const res = await api(A, 'PATCH', '/api/links/pub-patch', { url: 'https://example.com/new' });
    expect(res.status).toBe(200);
    expect((await res.json<LinkJson>()).url).toBe('https://example.com/new');
    // KV still sends visitors to the old destination, and the authority knows it owes KV version 2.
    expect(await kvRecord('pub-patch')).toMatchObject({ url: 'https://example.com/old', version: 1 });
    expect(await authorityOf('pub-patch').publishState()).toMatchObject({ version: 2 });
    const attempts = await attemptsOf('pub-patch');
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(await alarmOf('pub-patch')).not.toBeNull();

    // KV still down when the alarm fires: one more attempt counted, the alarm set again.
    await fireAlarm('pub-patch');
    expect(await attemptsOf('pub-patch')).toBeGreaterThan(attempts);
    expect(await alarmOf('pub-patch')).not.toBeNull();
    expect((await kvRecord('pub-patch'))?.version).toBe(1);

    await restore();
    await fireAlarm('pub-patch');
    expect(await kvRecord('pub-patch')).toEqual(await authorityRecord('pub-patch'));
    expect(await kvRecord('pub-patch')).toMatchObject({ url: 'https://example.com/new', version: 2 });
    expect(await authorityOf('pub-patch').publishState()).toBeNull();
    expect(await alarmOf('pub-patch')).toBeNull();
  });

  it('DELETE still answers 204; the live copy left in KV is replaced by the tombstone from the alarm', async () => {
    await createSlug(B, 'pub-delete');
    const restore = await hookAuthorityKv('pub-delete', failingPut);
    expect((await api(B, 'DELETE', '/api/links/pub-delete')).status).toBe(204);
    expect((await api(B, 'GET', '/api/links/pub-delete')).status).toBe(410); // the authority is the truth
    const stale = await kvRecord('pub-delete');
    expect(stale?.deletedAt).toBeUndefined(); // what the redirector would still follow
    expect(await authorityOf('pub-delete').publishState()).toMatchObject({ version: 2 });

    await restore();
    await fireAlarm('pub-delete');
    const repaired = await kvRecord('pub-delete');
    expect(repaired?.deletedAt).toBeDefined();
    expect(repaired).toEqual(await authorityRecord('pub-delete'));
  });

  it('a retried DELETE pushes out a tombstone still pending, without waiting for the alarm', async () => {
    await createSlug(B, 'pub-delete-twice');
    const restore = await hookAuthorityKv('pub-delete-twice', failingPut);
    expect((await api(B, 'DELETE', '/api/links/pub-delete-twice')).status).toBe(204);
    await restore();
    expect((await kvRecord('pub-delete-twice'))?.deletedAt).toBeUndefined();
    expect((await api(B, 'DELETE', '/api/links/pub-delete-twice')).status).toBe(204);
    expect((await kvRecord('pub-delete-twice'))?.deletedAt).toBeDefined();
    expect(await authorityOf('pub-delete-twice').publishState()).toBeNull();
  });
});

describe('concurrent changes', () => {
  /**
   * A put hook with a gate: the first put waits until the test opens the gate, every later put goes
   * through. Holding the first put is how two puts could be in flight at once, the older landing
   * last; the test opens the gate only once it has seen the newer change committed.
   */
  function gatedFirstPut(): { hook: PutHook; firstPutStarted: () => boolean; open: () => void } {
    let puts = 0;
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // A flag to read, not a promise to await: a promise settled inside the object would resume
    // the test in the object's I/O context, where the test's own fetches are refused.
    const hook: PutHook = async (kv, args) => {
      if (++puts === 1) await gate;
      await kv.put(...args);
    };
    return { hook, firstPutStarted: () => puts > 0, open };
  }

  it("a DELETE while the PATCH's put is in flight leaves KV equal to the authority's final state", async () => {
    await createSlug(C, 'pub-race');
    const race = gatedFirstPut();
    const restore = await hookAuthorityKv('pub-race', race.hook);
    const patch = api(C, 'PATCH', '/api/links/pub-race', { url: 'https://example.com/patched' });
    // The PATCH is committed (version 2) and its put is held at the gate.
    await vi.waitUntil(race.firstPutStarted);
    const del = api(C, 'DELETE', '/api/links/pub-race');
    // The DELETE is committed (version 3 pending) while the PATCH's put is still held: now let it land.
    await vi.waitUntil(async () => (await authorityOf('pub-race').publishState())?.version === 3);
    race.open();
    expect((await patch).status).toBe(200);
    expect((await del).status).toBe(204);
    await restore();
    const final = await authorityRecord('pub-race');
    expect(final).toMatchObject({ version: 3, url: 'https://example.com/patched' });
    expect(final?.deletedAt).toBeDefined();
    expect(await kvRecord('pub-race')).toEqual(final);
    expect(await authorityOf('pub-race').publishState()).toBeNull();
  });

  it("PATCH and DELETE sent together leave KV equal to the authority's final state", async () => {
    await createSlug(C, 'pub-race-2');
    const race = gatedFirstPut();
    const restore = await hookAuthorityKv('pub-race-2', race.hook);
    const sent = Promise.all([
      api(C, 'PATCH', '/api/links/pub-race-2', { url: 'https://example.com/patched' }),
      api(C, 'DELETE', '/api/links/pub-race-2'),
    ]);
    // The DELETE committed (whichever came first, nothing changes after it) before the first put may land.
    await vi.waitUntil(async () => (await authorityRecord('pub-race-2'))?.deletedAt !== undefined);
    race.open();
    const [patch, del] = await sent;
    await restore();
    expect([200, 410]).toContain(patch.status); // either order is fine for the authority
    expect(del.status).toBe(204);
    const final = await authorityRecord('pub-race-2');
    expect(final?.deletedAt).toBeDefined();
    expect(await kvRecord('pub-race-2')).toEqual(final);
  });

  it('a burst of PATCHes and a DELETE while the first put is held ends with KV on the last version', async () => {
    await createSlug(C, 'pub-burst');
    const race = gatedFirstPut();
    const restore = await hookAuthorityKv('pub-burst', race.hook);
    const sent = Promise.all([
      ...Array.from({ length: 8 }, (_, i) => api(C, 'PATCH', '/api/links/pub-burst', { title: `t${i}` })),
      api(C, 'DELETE', '/api/links/pub-burst'),
      ...Array.from({ length: 4 }, (_, i) => api(C, 'PATCH', '/api/links/pub-burst', { title: `u${i}` })),
    ]);
    // The DELETE committed before the first put lands: no version comes after it (later PATCHes are 410s).
    await vi.waitUntil(async () => (await authorityRecord('pub-burst'))?.deletedAt !== undefined);
    race.open();
    const answers = await sent;
    await restore();
    for (const res of answers) expect([200, 204, 410]).toContain(res.status);
    const final = await authorityRecord('pub-burst');
    expect(final?.deletedAt).toBeDefined();
    expect(await kvRecord('pub-burst')).toEqual(final);
  });
});

describe('publishRetryDelay', () => {
  it.each([
    [1, 0, RETRY_BASE_MS / 2],
    [1, 1, RETRY_BASE_MS],
    [2, 0.5, RETRY_BASE_MS * 1.5],
    [3, 1, RETRY_BASE_MS * 4],
    [30, 0, RETRY_MAX_MS / 2],
    [30, 1, RETRY_MAX_MS],
    [0, 1, RETRY_BASE_MS],
    [2, 7, RETRY_BASE_MS * 2], // random outside [0, 1] is clamped
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(publishRetryDelay(attempt, random)).toBe(expected);
  });

  it('never waits longer than the ceiling, nor less than half the base', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      const delay = publishRetryDelay(attempt, Math.random());
      expect(delay).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2);
      expect(delay).toBeLessThanOrEqual(RETRY_MAX_MS);
    }
    expect(PUBLISH_GRACE_MS).toBeGreaterThan(RETRY_BASE_MS);
  });
});
