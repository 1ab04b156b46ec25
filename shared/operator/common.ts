/**
 * What every operator API shares: the time ranges a chart may ask for, their default buckets, and
 * how a named entrypoint passes the operator's identity. The owner of each store answers these APIs
 * (shortener: clicks, edge: prerender, feed: breaker); the console asks them over service bindings.
 */
import * as z from 'zod/mini';

export const RANGES = { '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type Range = keyof typeof RANGES;

export const statsQuery = z.object({
  range: z._default(z.enum(['24h', '7d', '30d']), '24h'),
  bucket: z.optional(z.enum(['hour', 'day'])),
});
export type StatsQuery = z.infer<typeof statsQuery>;

/** The bucket a range is drawn in when the caller names none: hours up to a week, then days. */
export function defaultBucket(range: Range): 'hour' | 'day' {
  return range === '30d' ? 'day' : 'hour';
}

/** `[from, to)` of a range ending now, `to` rounded up to the next full hour so buckets are whole. */
export function rangeWindow(range: Range, now = Date.now()): { from: number; to: number } {
  const to = Math.ceil((now + 1) / 3_600_000) * 3_600_000;
  return { from: to - RANGES[range], to };
}

export const namedCount = z.object({ name: z.string(), n: z.number() });
export type NamedCount = z.infer<typeof namedCount>;

/**
 * Header a console-facing entrypoint (`OperatorApi`, reachable only through a service binding, never
 * from the internet) sets on the requests it forwards to its worker's own routes: who is acting, for
 * the owner's logs. The owner trusts it only on requests that came through that entrypoint.
 */
export const OPERATOR_HEADER = 'X-Operator';
