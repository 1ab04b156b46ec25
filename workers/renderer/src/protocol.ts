/**
 * The render protocol, spoken by this worker to its callers (the edge) and by the self-hosted render
 * service (demo/render-service) to this worker; one definition for both sides.
 *
 *   POST /render   Authorization: Bearer <token>   {"url": "https://site/page", "device": "mobile"|"desktop"}
 *   200 {"html", "status", "headers", "renderedAt", "timings": {"totalMs"}}
 *   4xx/5xx {"error": {"code", "message", "field"?}}
 */
import { z } from 'zod';
import { DEVICES } from './devices.ts';

/** Longer URLs than this are refused: browsers and CDNs cap around 8 KB, sitemaps at 2,048 chars. */
export const MAX_URL_LENGTH = 4096;

export const renderRequestSchema = z.object({
  url: z.string().min(1).max(MAX_URL_LENGTH),
  device: z.enum(DEVICES).default('desktop'),
});
export type RenderRequest = z.infer<typeof renderRequestSchema>;

export const renderResultSchema = z.object({
  html: z.string(),
  status: z.number().int().min(200).max(599),
  headers: z.record(z.string(), z.string()),
  renderedAt: z.string(),
  timings: z.object({ totalMs: z.number().nonnegative() }),
});
export type RenderResult = z.infer<typeof renderResultSchema>;
