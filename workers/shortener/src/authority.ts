/**
 * `LinkAuthority`: the strongly consistent owner of one code (one object per code, addressed with
 * `idFromName(code)`). KV has no compare-and-set, so two creates of one slug race here, where a
 * Durable Object runs one call at a time and the check-then-insert below has no `await` inside:
 * exactly one `claim` wins. The record is kept after a delete (as a tombstone) so a deleted code is
 * never handed to someone else and keeps answering 410.
 *
 * It also publishes: after every change it writes its current record (or tombstone) to KV and to the
 * catalog (the searchable list in D1) itself, one write at a time, and keeps retrying from its alarm
 * until both have the latest version (publish.ts).
 * A KV failure never fails the change: the authority is the truth, and the redirector asks it on a
 * KV miss; a stale copy in KV is repaired instead of kept.
 *
 * Storage is created on the first write only, so a lookup of a code nobody owns (a scanner trying
 * random codes through the redirector) leaves nothing behind.
 */
import { DurableObject } from 'cloudflare:workers';
import type { LinkPreview, LinkRecord, LinkRule } from '../../../shared/links/record.ts';
import { Publisher, type PublishState } from './publish.ts';

/** Changes a PATCH may make; `null` clears an optional field. */
export interface LinkChanges {
  url?: string;
  status?: LinkRecord['status'];
  title?: string | null;
  expiresAt?: string | null;
  appendQuery?: boolean;
  immutable?: boolean;
  maxAge?: number | null;
  rules?: LinkRule[] | null;
  preview?: LinkPreview | null;
}

export type ChangeResult = { ok: true; record: LinkRecord } | { ok: false; reason: 'missing' | 'deleted' | 'immutable' };

/**
 * The bindings the object uses. Declared here rather than taken from the generated `ShortenerEnv`
 * so that the redirector, which binds this class from another script, can import its type.
 */
export interface AuthorityEnv {
  LINKS: KVNamespace;
  /** The catalog's database; without it only KV is written. */
  LINK_STATS?: D1Database;
}

export class LinkAuthority extends DurableObject<AuthorityEnv> {
  #hasTables: boolean | undefined;
  // The binding is read at each put (not kept), so the object always writes through its env of the moment.
  readonly #publisher = new Publisher(
    this.ctx.storage,
    () => this.env.LINKS,
    () => this.env.LINK_STATS,
    () => this.#read(),
  );

  /** Takes the code for `record` unless someone owns it already; null when taken. */
  async claim(record: LinkRecord): Promise<LinkRecord | null> {
    // Check and insert with no `await` in between: of concurrent claims exactly one wins.
    if (this.#read() !== null) return null;
    await this.#commit(record);
    return record;
  }

  /** The authoritative record, or null when nobody owns the code. Never writes (the redirector asks on a KV miss). */
  lookup(): LinkRecord | null {
    return this.#read();
  }

  async change(changes: LinkChanges, now: string): Promise<ChangeResult> {
    const current = this.#read();
    if (current === null) return { ok: false, reason: 'missing' };
    if (current.deletedAt !== undefined) return { ok: false, reason: 'deleted' };
    // Browsers may keep an immutable 301 for a year: its destination and status cannot change.
    const movesTarget =
      (changes.url !== undefined && changes.url !== current.url) || (changes.status !== undefined && changes.status !== current.status);
    if (current.immutable && (movesTarget || changes.immutable === false)) return { ok: false, reason: 'immutable' };
    const next: LinkRecord = { ...current, updatedAt: now, version: current.version + 1 };
    if (changes.url !== undefined) next.url = changes.url;
    if (changes.status !== undefined) next.status = changes.status;
    if (changes.appendQuery !== undefined) next.appendQuery = changes.appendQuery;
    if (changes.immutable !== undefined) next.immutable = changes.immutable;
    setOptional(next, 'title', changes.title);
    setOptional(next, 'expiresAt', changes.expiresAt);
    setOptional(next, 'maxAge', changes.maxAge);
    setOptional(next, 'preview', changes.preview);
    // An empty list is no rules: the record stays as small as a link without any.
    setOptional(next, 'rules', changes.rules?.length === 0 ? null : changes.rules);
    await this.#commit(next);
    return { ok: true, record: next };
  }

  /** Tombstones the link; answers the tombstone (or the earlier one), null when nobody owns the code. */
  async remove(now: string): Promise<LinkRecord | null> {
    const current = this.#read();
    if (current === null) return null;
    if (current.deletedAt !== undefined) {
      await this.#publisher.publish(); // a retried DELETE also pushes out a tombstone still pending
      return current;
    }
    const tombstone: LinkRecord = { ...current, deletedAt: now, updatedAt: now, version: current.version + 1 };
    await this.#commit(tombstone);
    return tombstone;
  }

  /** Retries a publish that failed (or never finished) until KV has the current version. */
  override async alarm(): Promise<void> {
    await this.#publisher.publish();
  }

  /** What KV still lacks (null when it has the current record); for operators and tests. */
  publishState(): PublishState | null {
    return this.#publisher.pending();
  }

  /**
   * Stores `record` and marks it pending for KV (one storage write), then publishes it. The caller's
   * answer does not wait on KV succeeding, only on the attempt: a failure is left to the alarm.
   */
  async #commit(record: LinkRecord): Promise<void> {
    this.#write(record);
    await this.#publisher.markPending(record.version);
    await this.#publisher.publish();
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
    this.#hasTables ??=
      this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'link'").toArray().length > 0;
    return this.#hasTables;
  }
}

function setOptional<K extends 'title' | 'expiresAt' | 'maxAge' | 'rules' | 'preview'>(
  record: LinkRecord,
  key: K,
  value: LinkRecord[K] | null | undefined,
): void {
  if (value === undefined) return;
  if (value === null) delete record[key];
  else record[key] = value;
}
