/**
 * `GET /api/links/<code>/clicks?range=24h|7d|30d&bucket=hour|day` on the shortener: a link's clicks
 * over time, split by kind, with its top referrers and countries.
 */
import * as z from 'zod/mini';
import { namedCount } from './common.ts';

export const CLICK_KINDS = ['human', 'bot', 'preview', 'scanner', 'head'] as const;

const kindCounts = z.object({
  human: z.number(),
  bot: z.number(),
  preview: z.number(),
  scanner: z.number(),
  head: z.number(),
});

export const clickStats = z.object({
  code: z.string(),
  bucket: z.enum(['hour', 'day']),
  from: z.string(),
  to: z.string(),
  /** Every click since the start of the store's retention, per kind. */
  totals: kindCounts,
  series: z.array(z.extend(kindCounts, { t: z.string() })),
  referrers: z.array(namedCount),
  countries: z.array(namedCount),
});
export type ClickStats = z.infer<typeof clickStats>;
