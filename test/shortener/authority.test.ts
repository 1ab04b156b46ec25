// LinkAuthority directly: counters, tombstones, and no storage for codes nobody owns.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ClickCounts, LinkRecord } from '../../shared/links/record.ts';

const at = '2026-11-01T00:00:00.000Z';
const record = (code: string): LinkRecord => ({
  code,
  url: 'https://example.com/',
  status: 301,
  appendQuery: true,
  immutable: false,
  createdAt: at,
  updatedAt: at,
  version: 1,
});
const stubFor = (code: string) => env.LINK_AUTHORITY.get(env.LINK_AUTHORITY.idFromName(code));

describe('LinkAuthority', () => {
  it('adds click batches, ignoring unknown kinds and bad numbers', async () => {
    const stub = stubFor('counted');
    await stub.claim(record('counted'));
    await stub.recordClicks({ human: 2, head: 1 });
    await stub.recordClicks({ human: 3, bot: -1, preview: 1.5, bogus: 7 } as Partial<ClickCounts>);
    expect(await stub.clicks()).toEqual({ human: 5, head: 1, preview: 0, scanner: 0, bot: 0 });
  });

  it('ignores clicks for a code nobody owns and writes nothing for lookups of it', async () => {
    const ghost = stubFor('ghost-code');
    expect(await ghost.lookup()).toBeNull();
    await ghost.recordClicks({ human: 1 });
    expect(await ghost.clicks()).toEqual({ human: 0, head: 0, preview: 0, scanner: 0, bot: 0 });
    // Locally every object touched gets a database file (listDurableObjectIds lists it); what
    // matters is that nothing was written into it: no table exists.
    const tables = await runInDurableObject(ghost, (_instance, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it('keeps a tombstone: removing twice answers the first tombstone, claiming again fails', async () => {
    const stub = stubFor('tomb');
    await stub.claim(record('tomb'));
    const first = await stub.remove('2026-11-02T00:00:00.000Z');
    const second = await stub.remove('2026-11-03T00:00:00.000Z');
    expect(first?.deletedAt).toBe('2026-11-02T00:00:00.000Z');
    expect(second).toEqual(first);
    expect(await stub.claim(record('tomb'))).toBeNull();
    expect(await stub.change({ title: 'x' }, at)).toEqual({ ok: false, reason: 'deleted' });
  });
});
