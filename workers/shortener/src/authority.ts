/**
 * `LinkAuthority`: the strongly consistent owner of one code (one object per code, addressed with
 * `idFromName(code)`). KV has no compare-and-set, so two creates of one slug race here, where a
 * Durable Object runs one call at a time and the check-then-insert below has no `await` inside:
 * exactly one `claim` wins. The record is kept after a delete (as a tombstone) so a deleted code is
 * never handed to someone else and keeps answering 410.
 *
 * Storage is created on the first write only, so a lookup of a code nobody owns (a scanner trying
 * random codes through the redirector) leaves nothing behind.
 */
import { DurableObject } from 'cloudflare:workers';
import type { LinkAuthorityReader } from '../../../shared/links/authority.ts';
import { CLICK_KINDS, type ClickCounts, type ClickKind, type LinkRecord } from '../../../shared/links/record.ts';

/** Changes a PATCH may make; `null` clears an optional field. */
export interface LinkChanges {
  url?: string;
  status?: LinkRecord['status'];
  title?: string | null;
  expiresAt?: string | null;
  appendQuery?: boolean;
  immutable?: boolean;
  maxAge?: number | null;
}

export type ChangeResult =
  | { ok: true; record: LinkRecord }
  | { ok: false; reason: 'missing' | 'deleted' | 'immutable' };

export class LinkAuthority extends DurableObject<ShortenerEnv> implements LinkAuthorityReader {
  #hasTables: boolean | undefined;

  /** Takes the code for `record` unless someone owns it already; null when taken. */
  claim(record: LinkRecord): LinkRecord | null {
    if (this.#read() !== null) return null;
    this.#write(record);
    return record;
  }

  lookup(): LinkRecord | null {
    return this.#read();
  }

  change(changes: LinkChanges, now: string): ChangeResult {
    const current = this.#read();
    if (current === null) return { ok: false, reason: 'missing' };
    if (current.deletedAt !== undefined) return { ok: false, reason: 'deleted' };
    // Browsers may keep an immutable 301 for a year: its destination and status cannot change.
    const movesTarget = (changes.url !== undefined && changes.url !== current.url) ||
      (changes.status !== undefined && changes.status !== current.status);
    if (current.immutable && (movesTarget || changes.immutable === false)) return { ok: false, reason: 'immutable' };
    const next: LinkRecord = { ...current, updatedAt: now, version: current.version + 1 };
    if (changes.url !== undefined) next.url = changes.url;
    if (changes.status !== undefined) next.status = changes.status;
    if (changes.appendQuery !== undefined) next.appendQuery = changes.appendQuery;
    if (changes.immutable !== undefined) next.immutable = changes.immutable;
    setOptional(next, 'title', changes.title);
    setOptional(next, 'expiresAt', changes.expiresAt);
    setOptional(next, 'maxAge', changes.maxAge);
    this.#write(next);
    return { ok: true, record: next };
  }

  /** Tombstones the link; answers the tombstone (or the earlier one), null when nobody owns the code. */
  remove(now: string): LinkRecord | null {
    const current = this.#read();
    if (current === null) return null;
    if (current.deletedAt !== undefined) return current;
    const tombstone: LinkRecord = { ...current, deletedAt: now, updatedAt: now, version: current.version + 1 };
    this.#write(tombstone);
    return tombstone;
  }

  recordClicks(counts: Partial<ClickCounts>): void {
    if (!this.#tablesExist()) return;
    for (const kind of CLICK_KINDS) {
      const n = counts[kind];
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) continue;
      this.ctx.storage.sql.exec(
        'INSERT INTO clicks (kind, n) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET n = n + excluded.n',
        kind,
        n,
      );
    }
  }

  clicks(): ClickCounts {
    const counts = Object.fromEntries(CLICK_KINDS.map((k) => [k, 0])) as ClickCounts;
    if (!this.#tablesExist()) return counts;
    for (const row of this.ctx.storage.sql.exec<{ kind: ClickKind; n: number }>('SELECT kind, n FROM clicks')) {
      counts[row.kind] = row.n;
    }
    return counts;
  }

  #read(): LinkRecord | null {
    if (!this.#tablesExist()) return null;
    const row = this.ctx.storage.sql.exec<{ record: string }>('SELECT record FROM link LIMIT 1').toArray()[0];
    return row ? (JSON.parse(row.record) as LinkRecord) : null;
  }

  #write(record: LinkRecord): void {
    if (!this.#tablesExist()) {
      this.ctx.storage.sql.exec(`
        CREATE TABLE IF NOT EXISTS link (code TEXT PRIMARY KEY, record TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS clicks (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
      `);
      this.#hasTables = true;
    }
    this.ctx.storage.sql.exec(
      'INSERT INTO link (code, record) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET record = excluded.record',
      record.code,
      JSON.stringify(record),
    );
  }

  #tablesExist(): boolean {
    this.#hasTables ??= this.ctx.storage.sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'link'")
      .toArray().length > 0;
    return this.#hasTables;
  }
}

function setOptional<K extends 'title' | 'expiresAt' | 'maxAge'>(
  record: LinkRecord,
  key: K,
  value: LinkRecord[K] | null | undefined,
): void {
  if (value === undefined) return;
  if (value === null) delete record[key];
  else record[key] = value;
}
