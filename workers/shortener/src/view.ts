/**
 * The JSON shapes of the links API's answers: zod schemas, from which the OpenAPI document is
 * generated (openapi.ts), and the functions that build them, typed by those schemas.
 */
import * as z from 'zod/mini';
import { CLICK_KINDS, DEVICES, REDIRECT_STATUSES, type LinkRecord } from '../../../shared/links/record.ts';

const kindCounts = z.object(
  Object.fromEntries(CLICK_KINDS.map((kind) => [kind, z.number()])) as Record<(typeof CLICK_KINDS)[number], z.ZodMiniNumber>,
);

const ruleView = z.object({
  if: z.union([
    z.object({ device: z.enum(DEVICES) }),
    z.object({ country: z.string() }),
    z.object({ language: z.string() }),
    z.object({ query: z.record(z.string(), z.string()) }),
  ]),
  url: z.string(),
});

export const linkViewSchema = z.object({
  code: z.string(),
  url: z.string(),
  shortUrl: z.string(),
  status: z.literal(REDIRECT_STATUSES),
  title: z.nullable(z.string()),
  expiresAt: z.nullable(z.string()),
  appendQuery: z.boolean(),
  immutable: z.boolean(),
  maxAge: z.nullable(z.number()),
  rules: z.array(ruleView),
  preview: z.nullable(z.object({ title: z.string(), description: z.optional(z.string()), image: z.optional(z.string()) })),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Every click since the start of the click store's retention, per kind (single reads only). */
  clicks: z.optional(kindCounts),
});
export type LinkView = z.infer<typeof linkViewSchema>;
export type ClickTotals = z.infer<typeof kindCounts>;

export function linkView(record: LinkRecord, shortBase: string, clicks?: ClickTotals): LinkView {
  return {
    code: record.code,
    url: record.url,
    shortUrl: shortUrlOf(record.code, shortBase),
    status: record.status,
    title: record.title ?? null,
    expiresAt: record.expiresAt ?? null,
    appendQuery: record.appendQuery,
    immutable: record.immutable,
    maxAge: record.maxAge ?? null,
    rules: record.rules ?? [],
    preview: record.preview ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(clicks !== undefined && { clicks }),
  };
}

export function shortUrlOf(code: string, shortBase: string): string {
  return `${shortBase.replace(/\/+$/, '')}/${code}`;
}

export const linkPageSchema = z.object({ links: z.array(linkViewSchema), cursor: z.nullable(z.string()) });

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.optional(z.string()),
    issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  }),
});
