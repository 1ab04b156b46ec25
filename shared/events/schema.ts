/**
 * The rollup tables every event-owning worker keeps in its own D1 database, and how they get there:
 * the consumer applies these statements on first use in each isolate (each is idempotent), so a
 * fresh local database under `npm start` and a new production database need no separate step.
 *
 * Retention (`pruneRollups`, run by the owner's cron): per-minute rows for 2 days (the "current
 * window" views), per-hour rows for 400 days (charts over 24 h / 7 d / 30 d, day buckets summed from
 * hours), ids of consumed messages for 7 days (longer than Queues keeps retrying a message).
 */
export const MINUTE_RETENTION_MS = 2 * 24 * 3_600_000;
export const HOUR_RETENTION_MS = 400 * 24 * 3_600_000;
export const SEEN_RETENTION_MS = 7 * 24 * 3_600_000;

export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS rollup_minute (
     stream TEXT NOT NULL, key TEXT NOT NULL, dim TEXT NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (stream, key, minute, dim)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS rollup_hour (
     stream TEXT NOT NULL, key TEXT NOT NULL, dim TEXT NOT NULL, hour INTEGER NOT NULL, n INTEGER NOT NULL,
     PRIMARY KEY (stream, key, hour, dim)) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS rollup_hour_by_time ON rollup_hour (stream, hour)`,
  `CREATE TABLE IF NOT EXISTS consumed_message (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`,
];

const ready = new WeakMap<D1Database, Promise<void>>();

/** Creates the tables once per database object (once per isolate); a failure is retried next time. */
export function ensureSchema(db: D1Database): Promise<void> {
  let done = ready.get(db);
  if (done === undefined) {
    done = db.batch(SCHEMA.map((sql) => db.prepare(sql))).then(() => undefined);
    done.catch(() => ready.delete(db));
    ready.set(db, done);
  }
  return done;
}

/** Deletes rows past their retention; returns how many went. */
export async function pruneRollups(db: D1Database, now = Date.now()): Promise<number> {
  await ensureSchema(db);
  const results = await db.batch([
    db.prepare('DELETE FROM rollup_minute WHERE minute < ?').bind(Math.floor((now - MINUTE_RETENTION_MS) / 60_000)),
    db.prepare('DELETE FROM rollup_hour WHERE hour < ?').bind(Math.floor((now - HOUR_RETENTION_MS) / 3_600_000)),
    db.prepare('DELETE FROM consumed_message WHERE at < ?').bind(now - SEEN_RETENTION_MS),
  ]);
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}
