/**
 * `GET /api/links/<code>/clicks?range=24h|7d|30d&bucket=hour|day` on the shortener: a link's clicks
 * over time, split by kind, with its top referrers and countries, and how many human clicks came
 * through the link's QR code.
 */
import * as z from 'zod/mini';
import { CLICK_KINDS } from '../links/record.ts';
import { namedCount } from './common.ts';

export { CLICK_KINDS };

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
  /** Referring hosts and countries (`CF-IPCountry`) of the human clicks in the range, largest first. */
  referrers: z.array(namedCount),
  countries: z.array(namedCount),
  /** Human clicks in the range that opened the short URL from its QR code (`?utm_source=qr`). */
  qrScans: z.number(),
});
export type ClickStats = z.infer<typeof clickStats>;
