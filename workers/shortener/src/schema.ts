/**
 * Request bodies of the links API, validated with zod. Unknown fields are refused (a typo such as
 * `expires_at` must not silently create a link that never expires). Destination URLs and slugs are
 * checked by the shared pure functions so the redirector and the API agree on the rules.
 */
import * as z from 'zod';
import { slugProblem } from '../../../shared/links/code.ts';
import { REDIRECT_STATUSES } from '../../../shared/links/record.ts';
import { MAX_URL_LENGTH, checkDestination, type DestinationPolicy } from '../../../shared/links/url.ts';

export const MAX_TITLE_LENGTH = 300;
export const MAX_BULK = 100;
/** One year: the longest any cache should keep a redirect (RFC 9111 §5.2.2.1 leaves it to us). */
export const MAX_AGE_CEILING = 31_536_000;

const status = z.union(
  REDIRECT_STATUSES.map((s) => z.literal(s)) as [z.ZodLiteral<301>, z.ZodLiteral<302>, z.ZodLiteral<307>, z.ZodLiteral<308>],
  {
    error: `must be one of ${REDIRECT_STATUSES.join(', ')}`,
  },
);

const futureInstant = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' })
  .refine((value) => Date.parse(value) > Date.now(), { error: 'must be in the future' })
  .transform((value) => new Date(value).toISOString());

const title = z.string().max(MAX_TITLE_LENGTH, { error: `must be at most ${MAX_TITLE_LENGTH} characters` });
const maxAge = z.number().int().min(0).max(MAX_AGE_CEILING);

/** A destination URL, normalized (punycode host) on the way in. */
function destination(policy: DestinationPolicy) {
  return z
    .string({ error: 'must be a string' })
    .max(MAX_URL_LENGTH, { error: `must be at most ${MAX_URL_LENGTH} characters` })
    .transform((raw, ctx) => {
      const check = checkDestination(raw, policy);
      if (check.ok) return check.url;
      ctx.addIssue({ code: 'custom', message: check.reason });
      return z.NEVER;
    });
}

export function createSchema(policy: DestinationPolicy) {
  return z.strictObject({
    url: destination(policy),
    slug: z
      .string({ error: 'must be a string' })
      .superRefine((slug, ctx) => {
        const problem = slugProblem(slug);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    status: status.optional(),
    expiresAt: futureInstant.optional(),
    title: title.optional(),
    appendQuery: z.boolean().optional(),
    immutable: z.boolean().optional(),
    maxAge: maxAge.optional(),
  });
}
export type CreateInput = z.output<ReturnType<typeof createSchema>>;

export function changeSchema(policy: DestinationPolicy) {
  return z
    .strictObject({
      url: destination(policy).optional(),
      status: status.optional(),
      expiresAt: futureInstant.nullable().optional(),
      title: title.nullable().optional(),
      appendQuery: z.boolean().optional(),
      immutable: z.boolean().optional(),
      maxAge: maxAge.nullable().optional(),
    })
    .refine((body) => Object.keys(body).length > 0, { error: 'name at least one field to change' });
}
export type ChangeInput = z.output<ReturnType<typeof changeSchema>>;

/** Bulk bodies are checked item by item (one bad item must not sink the others). */
export const bulkSchema = z.strictObject({
  links: z
    .array(z.unknown(), { error: 'must be an array of link objects' })
    .min(1, { error: 'must hold at least one link' })
    .max(MAX_BULK, { error: `must hold at most ${MAX_BULK} links` }),
});

export const listQuerySchema = z.strictObject({
  // KV cursors are opaque base64-like strings; anything else is not one of ours.
  cursor: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9+/=_.-]+$/, { error: 'is not a cursor this API returned' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
