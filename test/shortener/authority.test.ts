// LinkAuthority directly: tombstones, and no storage for codes nobody owns.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { LinkRecord } from '../../shared/links/record.ts';

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
  it('writes nothing for lookups of a code nobody owns', async () => {
    const ghost = stubFor('ghost-code');
    expect(await ghost.lookup()).toBeNull();
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
