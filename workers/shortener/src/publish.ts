/**
 * Publishing a code's record to KV, the copy the redirector reads, and to the catalog (catalog.ts,
 * the searchable list in D1). Only the code's `LinkAuthority` writes them, through one `Publisher`,
 * so both end on the authority's latest version:
 *
 * - **One put at a time, always of the current record.** A Durable Object runs one event at a time,
 *   but an `await` on KV (not storage) lets the next event in, so two changes could each have a put in
 *   flight and land in either order. Here a change that finds a put running only waits for it; the
 *   running loop then puts the newest record once more. Puts leave in version order and the last one
 *   carries the latest version, however many changes raced (and KV's one-write-per-second-per-key
 *   limit meets one put per burst instead of one per change).
 * - **Pending until KV has it.** Each change stores "version v pending" in SQLite and arms an alarm in
 *   the same write, before any put. The put clears both; a failed put keeps them and moves the alarm
 *   out with backoff; an object that dies mid-put (a deploy, an eviction) is woken by the alarm. So a
 *   stale or deleted record in KV is repaired, never kept.
 * - **KV first, then the catalog**, in one attempt: either failing keeps the version pending, and the
 *   retry writes both again (each write is idempotent; the catalog keeps the highest version).
 */
import { catalogPut } from './catalog.ts';
import { linkKey } from '../../../shared/links/keys.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';

/** The alarm armed with each change: only fires if the put after it never finished. */
export const PUBLISH_GRACE_MS = 30_000;
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_MS = 10 * 60_000;

/**
 * Wait before retry `attempt` (1, 2, ...): doubling from RETRY_BASE_MS up to RETRY_MAX_MS, with
 * "equal jitter" (half fixed, half random) so objects that failed in the same KV outage do not all
 * retry in the same second.
 */
export function publishRetryDelay(attempt: number, random: number): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.min(Math.max(random, 0), 1) * ceiling) / 2);
}

export interface PublishState {
  /** The version KV must get (the record's version when it was last changed). */
  version: number;
  /** Failed puts since the last success. */
  attempts: number;
}

export class Publisher {
  readonly #storage: DurableObjectStorage;
  readonly #kv: () => KVNamespace;
  readonly #catalog: () => D1Database | undefined;
  readonly #current: () => LinkRecord | null;
  #running: Promise<boolean> | undefined;
  #hasTable = false;

  /** `kv`, `catalog` and `current` are read at each put: the bindings of the moment, the record of the moment. */
  constructor(
    storage: DurableObjectStorage,
    kv: () => KVNamespace,
    catalog: () => D1Database | undefined,
    current: () => LinkRecord | null,
  ) {
    this.#storage = storage;
    this.#kv = kv;
    this.#catalog = catalog;
    this.#current = current;
  }

  /** Records that `version` must reach KV and arms the alarm, in the same storage write as the change. */
  async markPending(version: number): Promise<void> {
    this.#ensureTable();
    this.#storage.sql.exec(
      'INSERT INTO publish (id, version, attempts) VALUES (1, ?, 0) ON CONFLICT (id) DO UPDATE SET version = excluded.version, attempts = 0',
      version,
    );
    await this.#storage.setAlarm(Date.now() + PUBLISH_GRACE_MS);
  }

  /** What is still to be published, or null when KV has the current record. */
  pending(): PublishState | null {
    if (!this.#tableExists()) return null;
    return (
      this.#storage.sql.exec<{ version: number; attempts: number }>('SELECT version, attempts FROM publish WHERE id = 1').toArray()[0] ??
      null
    );
  }

  /**
   * Puts the current record until KV has the latest version; true when it does, false when a put
   * failed (the alarm will retry). Callers during a running publish share it. A KV failure never
   * rejects; only a failure of the object's own storage does.
   */
  publish(): Promise<boolean> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #drain(): Promise<boolean> {
    for (;;) {
      const state = this.pending();
      const record = this.#current();
      if (state === null) return true;
      if (record === null) {
        await this.#clear(); // nothing to publish: no record was ever written
        return true;
      }
      try {
        await this.#kv().put(linkKey(record.code), JSON.stringify(record));
        const catalog = this.#catalog();
        if (catalog !== undefined) await catalogPut(catalog, record);
      } catch (error) {
        await this.#retryLater(record, error);
        return false;
      }
      // A change that came in during the put is newer than what was put: loop and put it too.
      if ((this.pending()?.version ?? 0) <= record.version) {
        await this.#clear();
        return true;
      }
    }
  }

  async #retryLater(record: LinkRecord, error: unknown): Promise<void> {
    const attempts = (this.pending()?.attempts ?? 0) + 1;
    this.#storage.sql.exec('UPDATE publish SET attempts = ? WHERE id = 1', attempts);
    const delay = publishRetryDelay(attempts, Math.random());
    await this.#storage.setAlarm(Date.now() + delay);
    log('error', 'links.publish_failed', { code: record.code, version: record.version, attempts, retryInMs: delay, error: String(error) });
  }

  async #clear(): Promise<void> {
    this.#storage.sql.exec('DELETE FROM publish');
    await this.#storage.deleteAlarm();
  }

  #ensureTable(): void {
    if (this.#hasTable) return;
    this.#storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS publish (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, attempts INTEGER NOT NULL)',
    );
    this.#hasTable = true;
  }

  /** Read-only: an object that never changed a record has no table (and gets none from a lookup). */
  #tableExists(): boolean {
    this.#hasTable ||= this.#storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'publish'").toArray().length > 0;
    return this.#hasTable;
  }
}
