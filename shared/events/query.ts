/**
 * Reads of the rollup tables, for the owner worker's JSON APIs. Times go out as ISO-8601 strings
 * at the start of their bucket; a bucket with no counts is present with zeros, so a chart's x axis
 * is continuous.
 */
import { ensureSchema } from './schema.ts';

export type Bucket = 'minute' | 'hour' | 'day';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface SeriesQuery {
  stream: string;
  /** One key, or every key of the stream when omitted. */
  key?: string;
  bucket: Bucket;
  /** Inclusive start and exclusive end, in ms since the epoch. */
  from: number;
  to: number;
  /** The dims to report, in this order; others are left out. */
  dims: readonly string[];
}

export type SeriesPoint = { t: string } & Record<string, number | string>;

/** Counts per bucket and dim: minute buckets from the minute table, hour and day from the hour table. */
export async function series(db: D1Database, query: SeriesQuery): Promise<SeriesPoint[]> {
  await ensureSchema(db);
  const step = BUCKET_MS[query.bucket];
  const from = Math.floor(query.from / step) * step;
  const points = new Map<number, SeriesPoint>();
  for (let t = from; t < query.to; t += step) points.set(t, point(t, query.dims));

  const byMinute = query.bucket === 'minute';
  const table = byMinute ? 'rollup_minute' : 'rollup_hour';
  const column = byMinute ? 'minute' : 'hour';
  const unitMs = byMinute ? 60_000 : 3_600_000;
  const perBucket = step / unitMs;
  const rows = await db
    .prepare(
      `SELECT ${column} - ${column} % ?1 AS unit, dim, SUM(n) AS n FROM ${table}
       WHERE stream = ?2 AND ${column} >= ?3 AND ${column} < ?4 ${query.key === undefined ? '' : 'AND key = ?5'}
       GROUP BY unit, dim`,
    )
    .bind(perBucket, query.stream, Math.floor(from / unitMs), Math.ceil(query.to / unitMs), ...(query.key === undefined ? [] : [query.key]))
    .all<{ unit: number; dim: string; n: number }>();
  for (const row of rows.results) {
    const target = points.get(row.unit * unitMs);
    if (target !== undefined && query.dims.includes(row.dim)) target[row.dim] = row.n;
  }
  return [...points.values()];
}

function point(t: number, dims: readonly string[]): SeriesPoint {
  const p: SeriesPoint = { t: new Date(t).toISOString() };
  for (const dim of dims) p[dim] = 0;
  return p;
}

/** Sums per dim over the whole retention (or since `from`), for one key or the whole stream. */
export async function totals(
  db: D1Database,
  query: { stream: string; key?: string; dims: readonly string[]; from?: number },
): Promise<Record<string, number>> {
  await ensureSchema(db);
  const out: Record<string, number> = Object.fromEntries(query.dims.map((d) => [d, 0]));
  const rows = await db
    .prepare(
      `SELECT dim, SUM(n) AS n FROM rollup_hour WHERE stream = ?1 AND hour >= ?2 ${query.key === undefined ? '' : 'AND key = ?3'} GROUP BY dim`,
    )
    .bind(query.stream, Math.floor((query.from ?? 0) / 3_600_000), ...(query.key === undefined ? [] : [query.key]))
    .all<{ dim: string; n: number }>();
  for (const row of rows.results) if (row.dim in out) out[row.dim] = row.n;
  return out;
}

/** The largest dims under a prefix (e.g. `ref:` for referrers), prefix removed, largest first. */
export async function top(
  db: D1Database,
  query: { stream: string; key?: string; prefix: string; from: number; limit: number },
): Promise<{ name: string; n: number }[]> {
  await ensureSchema(db);
  const rows = await db
    .prepare(
      `SELECT substr(dim, ?3) AS name, SUM(n) AS n FROM rollup_hour
       WHERE stream = ?1 AND hour >= ?2 AND dim >= ?4 AND dim < ?5 ${query.key === undefined ? '' : 'AND key = ?7'}
       GROUP BY dim ORDER BY n DESC, name LIMIT ?6`,
    )
    .bind(
      query.stream,
      Math.floor(query.from / 3_600_000),
      query.prefix.length + 1,
      query.prefix,
      `${query.prefix}\uffff`,
      query.limit,
      ...(query.key === undefined ? [] : [query.key]),
    )
    .all<{ name: string; n: number }>();
  return rows.results;
}

/** Keys of a stream with counts since `from` (e.g. every crawler category seen), largest first. */
export async function keys(db: D1Database, query: { stream: string; from: number; limit: number }): Promise<{ key: string; n: number }[]> {
  await ensureSchema(db);
  const rows = await db
    .prepare('SELECT key, SUM(n) AS n FROM rollup_hour WHERE stream = ?1 AND hour >= ?2 GROUP BY key ORDER BY n DESC, key LIMIT ?3')
    .bind(query.stream, Math.floor(query.from / 3_600_000), query.limit)
    .all<{ key: string; n: number }>();
  return rows.results;
}
