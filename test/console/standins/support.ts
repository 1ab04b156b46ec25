/** What the stand-in owners share: modes, the record of requests, JSON answers, time buckets. */
import { RANGES, rangeWindow, type Range } from '../../../shared/operator/common.ts';

export type StandInMode = 'ok' | 'down' | 'garbage' | 'wrong-shape' | 'hang' | 'refuse' | 'throw';

export interface Seen {
  method: string;
  path: string;
  operator: string | null;
  body: string;
  contentType: string | null;
}

export function json(value: unknown, status = 200): Response {
  return Response.json(value, { status, headers: { 'Cache-Control': 'no-store' } });
}

export function errorJson(status: number, code: string, message: string, field?: string): Response {
  return Response.json({ error: { code, message, ...(field !== undefined && { field }) } }, { status });
}

/** The range and bucket of a stats query, as the owners read them (shared/operator/common.ts). */
export function window(url: URL): { range: Range; bucket: 'hour' | 'day'; from: number; to: number; starts: number[] } {
  const range = (url.searchParams.get('range') ?? '24h') as Range;
  const bucket = (url.searchParams.get('bucket') ?? (range === '30d' ? 'day' : 'hour')) as 'hour' | 'day';
  const { from, to } = rangeWindow(range in RANGES ? range : '24h');
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const starts: number[] = [];
  for (let t = from; t < to; t += step) starts.push(t);
  return { range, bucket, from, to, starts };
}

/** A small deterministic wave, so charts have a shape: `base` plus up to `swing` by bucket index. */
export function wave(i: number, base: number, swing: number): number {
  return base + Math.round(swing * (1 + Math.sin(i / 3)) * 0.5);
}
