/**
 * `GET /api/feed/_stats?range=&bucket=`: per upstream, the breaker's state and current window (from
 * its Durable Object, as of now), the timeline of its transitions in the range (kept by the Durable
 * Object where they happen), and answers, failures, slow calls, trips and recoveries per bucket
 * (rolled up from the event stream into the worker's D1). The shape is shared/operator/breaker.ts.
 */
import { series, keys, type SeriesPoint } from '../../../shared/events/query.ts';
import { defaultBucket, rangeWindow, type StatsQuery } from '../../../shared/operator/common.ts';
import type { BreakerStats, UpstreamStats } from '../../../shared/operator/breaker.ts';
import { effectiveStatus, windowStats, type BreakerConfig } from './breaker.ts';
import type { BreakerReport } from './breaker-object.ts';
import { BREAKER_DIMS, BREAKER_STREAM } from './events.ts';
import type { FeedContext } from './feed.ts';

/** Upstreams other than the configured one (an earlier RECOMMENDER_URL) shown at most. */
const MAX_UPSTREAMS = 10;

export interface StatsStores {
  db: D1Database;
  /** The `FeedBreaker` of an upstream, by its key (the origin it is named after). */
  breakerOf(upstream: string): { report(since: number): Promise<BreakerReport> };
}

export async function breakerStats(fc: FeedContext, stores: StatsStores, query: StatsQuery, now = Date.now()): Promise<BreakerStats> {
  const bucket = query.bucket ?? defaultBucket(query.range);
  const { from, to } = rangeWindow(query.range, now);
  // The configured upstream first, then any other that counted answers in the range.
  const seen = await keys(stores.db, { stream: BREAKER_STREAM, from, limit: MAX_UPSTREAMS });
  const upstreams = [fc.config.upstreamKey, ...seen.map((k) => k.key).filter((k) => k !== fc.config.upstreamKey)];
  return {
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    upstreams: await Promise.all(
      upstreams.map(async (upstream) => {
        const [report, points] = await Promise.all([
          stores.breakerOf(upstream).report(from),
          series(stores.db, { stream: BREAKER_STREAM, key: upstream, bucket, from, to, dims: BREAKER_DIMS }),
        ]);
        return upstreamStats(upstream, report, points, fc.config.breaker, now);
      }),
    ),
  };
}

/** One upstream's entry, from its Durable Object's report and its rolled-up counts. */
export function upstreamStats(
  upstream: string,
  report: BreakerReport,
  points: SeriesPoint[],
  config: BreakerConfig,
  now: number,
): UpstreamStats {
  const { state, timeline } = report;
  const window = windowStats(state.window, now, config);
  const judged = window.calls >= config.minimumCalls;
  const series = points.map((p) => ({
    t: p.t,
    live: Number(p.live),
    degraded: Number(p.degraded),
    failures: Number(p.failure),
    slowCalls: Number(p.slow),
    trips: Number(p.trip),
    recoveries: Number(p.recovery),
  }));
  const live = sum(series, 'live');
  const degraded = sum(series, 'degraded');
  return {
    upstream,
    state: effectiveStatus(state),
    forced: state.forced,
    window: {
      calls: window.calls,
      failureRate: judged ? round(window.failureRate) : null,
      slowCallRate: judged ? round(window.slowCallRate) : null,
    },
    degradedShare: live + degraded === 0 ? 0 : round(degraded / (live + degraded), 4),
    trips: sum(series, 'trips'),
    timeline: timeline.map((t) => ({ at: new Date(t.at).toISOString(), from: t.from, to: t.to, reason: t.reason })),
    series,
  };
}

function sum<K extends string>(rows: Record<K, number>[], key: K): number {
  return rows.reduce((total, row) => total + row[key], 0);
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
