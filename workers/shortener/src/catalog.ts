/**
 * The catalog: every link's current record in the shortener's D1 database (`LINK_STATS`), for the
 * searchable, paged `GET /api/links`. KV cannot search (its list is by key prefix only), and the
 * authorities are one object per code. Only a code's `LinkAuthority` writes its row, from the
 * same publish loop that writes KV (publish.ts), so the catalog follows every change in version
 * order and a failed write is retried by the same alarm.
 *
 * Search matches a substring of the code, the destination or the title, case-insensitively, through
 * an FTS5 index with the trigram tokenizer: a
 * query of 3 characters or more reads only the matching rows, where `LIKE '%q%'` would read every
 * link. Shorter queries (1-2 characters) have no trigram and fall back to that scan. Pages are
 * keyset-paged, newest first, with an opaque cursor (the last row's creation time and code).
 */
import { HttpError } from '../../../shared/http/errors.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS links (
     code TEXT NOT NULL UNIQUE, url TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL,
     deleted INTEGER NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS links_by_created ON links (deleted, created_at, code)`,
  `CREATE VIRTUAL TABLE IF NOT EXISTS links_search USING fts5(code, url, title, tokenize = 'trigram')`,
  `CREATE TABLE IF NOT EXISTS catalog_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
];

const ready = new WeakMap<D1Database, Promise<void>>();

function ensureCatalog(db: D1Database): Promise<void> {
  let done = ready.get(db);
  if (done === undefined) {
    done = db.batch(SCHEMA.map((sql) => db.prepare(sql))).then(() => undefined);
    done.catch(() => ready.delete(db));
    ready.set(db, done);
  }
  return done;
}

/** A version only ever replaces an older one, so a retried or late write cannot undo a newer one. */
const UPSERT = `INSERT INTO links (code, url, title, created_at, deleted, version, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
  ON CONFLICT (code) DO UPDATE SET url = excluded.url, title = excluded.title, deleted = excluded.deleted,
    version = excluded.version, record = excluded.record
  WHERE excluded.version > links.version`;
/** The search row follows the table row when it holds this version (rowids tie the two). */
const UNINDEX = `DELETE FROM links_search WHERE rowid = (SELECT rowid FROM links WHERE code = ?1 AND version = ?2)`;
const INDEX = `INSERT INTO links_search (rowid, code, url, title)
  SELECT rowid, code, url, title FROM links WHERE code = ?1 AND version = ?2 AND deleted = 0`;

/** Writes `record` (a tombstone leaves the search); throws on a D1 error so the publisher retries. */
export function catalogPut(db: D1Database, record: LinkRecord): Promise<void> {
  return catalogPutAll(db, [record]);
}

/** Writes `records` in one D1 batch (one transaction, one call). */
async function catalogPutAll(db: D1Database, records: readonly LinkRecord[]): Promise<void> {
  if (records.length === 0) return;
  await ensureCatalog(db);
  await db.batch(
    records.flatMap((record) => {
      const title = [record.title, record.preview?.title].filter(Boolean).join(' ');
      const deleted = record.deletedAt === undefined ? 0 : 1;
      return [
        db.prepare(UPSERT).bind(record.code, record.url, title, record.createdAt, deleted, record.version, JSON.stringify(record)),
        db.prepare(UNINDEX).bind(record.code, record.version),
        db.prepare(INDEX).bind(record.code, record.version),
      ];
    }),
  );
}

export interface CatalogQuery {
  /** Substring of the code, destination or title. */
  q?: string;
  cursor?: string;
  limit: number;
}

export interface CatalogPage {
  links: LinkRecord[];
  cursor: string | null;
}

/** Live links, newest first, matching `q`; `cursor` continues a previous page. */
export async function catalogList(db: D1Database, query: CatalogQuery): Promise<CatalogPage> {
  await ensureCatalog(db);
  const where = ['deleted = 0'];
  const args: (string | number)[] = [];
  const q = query.q?.trim() ?? '';
  if (q.length >= 3) {
    args.push(`"${q.replaceAll('"', '""')}"`);
    where.push(`rowid IN (SELECT rowid FROM links_search WHERE links_search MATCH ?${args.length})`);
  } else if (q.length > 0) {
    args.push(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const p = `?${args.length}`;
    where.push(`(code LIKE ${p} ESCAPE '\\' OR url LIKE ${p} ESCAPE '\\' OR title LIKE ${p} ESCAPE '\\')`);
  }
  if (query.cursor !== undefined) {
    const [createdAt, code] = decodeCursor(query.cursor);
    args.push(createdAt, code);
    const [c, k] = [`?${args.length - 1}`, `?${args.length}`];
    where.push(`(created_at < ${c} OR (created_at = ${c} AND code < ${k}))`);
  }
  args.push(query.limit + 1);
  const rows = await db
    .prepare(`SELECT record FROM links WHERE ${where.join(' AND ')} ORDER BY created_at DESC, code DESC LIMIT ?${args.length}`)
    .bind(...args)
    .all<{ record: string }>();
  const links = rows.results.slice(0, query.limit).map((row) => JSON.parse(row.record) as LinkRecord);
  const last = links.at(-1);
  return { links, cursor: rows.results.length > query.limit && last !== undefined ? encodeCursor(last.createdAt, last.code) : null };
}

function encodeCursor(createdAt: string, code: string): string {
  return btoa(JSON.stringify([createdAt, code]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as [string, string];
  } catch {
    // answered below
  }
  throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned', { field: 'cursor' });
}

/**
 * KV keys read per backfill run: one list, one get per key, one D1 batch; within the 1,000
 * subrequests a cron invocation may make.
 */
export const BACKFILL_PAGE = 500;

/**
 * Fills the catalog with links that existed in KV before it did, one KV list page per call (the
 * cron's), resuming where the last call stopped; answers how many rows were written, or null once
 * the whole namespace has been walked. Rows the authorities already wrote are newer or equal and
 * win (the version guard), so running it alongside live changes is safe.
 */
export async function backfillCatalog(db: D1Database, kv: KVNamespace, prefix: string): Promise<number | null> {
  await ensureCatalog(db);
  const state = await db.prepare(`SELECT value FROM catalog_state WHERE key = 'backfill'`).first<{ value: string }>();
  if (state?.value === 'done') return null;
  const page = await kv.list({ prefix, limit: BACKFILL_PAGE, ...(state ? { cursor: state.value } : {}) });
  const records: LinkRecord[] = [];
  for (const key of page.keys) {
    const record = await kv.get<LinkRecord>(key.name, 'json');
    if (record !== null) records.push(record);
  }
  await catalogPutAll(db, records);
  const written = records.length;
  await db
    .prepare(`INSERT INTO catalog_state (key, value) VALUES ('backfill', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
    .bind(page.list_complete ? 'done' : page.cursor)
    .run();
  return written;
}
