/**
 * A link's clicks, read from the rollups of the `clicks` stream in the shortener's D1 (`LINK_STATS`),
 * which the queue consumer fills from the redirector's events (index.ts `queue`). The answer is the
 * operator contract's `ClickStats` (shared/operator/clicks.ts).
 *
 * Dims of the stream, per link code: the kind of every click (`human`, `bot`, `preview`, `scanner`,
 * `head`), and for human clicks `ref:<referring host>`, `country:<CF-IPCountry>` and `src:qr` (the
 * short URL was opened from its QR code).
 */
import { HttpError, serviceUnavailable } from '../../../shared/http/errors.ts';
import { CLICK_KINDS } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import { series, top, totals } from '../../../shared/events/query.ts';
import { defaultBucket, rangeWindow, type StatsQuery } from '../../../shared/operator/common.ts';
import type { ClickStats } from '../../../shared/operator/clicks.ts';
import type { ClickTotals } from './view.ts';

export const CLICKS_STREAM = 'clicks';
/** Referrers and countries listed per link. */
const TOP = 10;
/** Seconds a client should wait when the click store cannot be read. */
const RETRY_AFTER = 5;

export async function clickStats(db: D1Database, code: string, query: StatsQuery, now = Date.now()): Promise<ClickStats> {
  const bucket = query.bucket ?? defaultBucket(query.range);
  const { from, to } = rangeWindow(query.range, now);
  const [points, all, referrers, countries, qr] = await readStore(() =>
    Promise.all([
      series(db, { stream: CLICKS_STREAM, key: code, bucket, from, to, dims: CLICK_KINDS }),
      totals(db, { stream: CLICKS_STREAM, key: code, dims: CLICK_KINDS }),
      top(db, { stream: CLICKS_STREAM, key: code, prefix: 'ref:', from, limit: TOP }),
      top(db, { stream: CLICKS_STREAM, key: code, prefix: 'country:', from, limit: TOP }),
      totals(db, { stream: CLICKS_STREAM, key: code, dims: ['src:qr'], from }),
    ]),
  );
  return {
    code,
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    totals: all as ClickStats['totals'],
    series: points as ClickStats['series'],
    referrers: referrers.map(({ name, n }) => ({ name, n })),
    countries: countries.map(({ name, n }) => ({ name, n })),
    qrScans: qr['src:qr'] ?? 0,
  };
}

/** Every click of a link since the start of the store's retention, per kind. */
export function clickTotals(db: D1Database, code: string): Promise<ClickTotals> {
  return readStore(() => totals(db, { stream: CLICKS_STREAM, key: code, dims: CLICK_KINDS }) as Promise<ClickTotals>);
}

/** A read of D1 that fails is an outage of the store (503), not a bug; a client's error stays its 4xx. */
export async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    log('error', 'links.store_failed', { error: String(error) });
    throw serviceUnavailable(RETRY_AFTER, 'the link store is unavailable; retry');
  }
}
