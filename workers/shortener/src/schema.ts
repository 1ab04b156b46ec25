/**
 * Request bodies of the links API, validated with zod. Unknown fields are refused (a typo such as
 * `expires_at` must not silently create a link that never expires). Destination URLs and slugs are
 * checked by the shared pure functions so the redirector and the API agree on the rules. Type
 * mismatches are worded by the shared error map (shared/http/validate.ts): "is required", "must be
 * a string, not a number".
 */
import * as z from 'zod/mini';
import { integer } from '../../../shared/http/validate.ts';
import { slugProblem } from '../../../shared/links/code.ts';
import { REDIRECT_STATUSES } from '../../../shared/links/record.ts';
import { MAX_URL_LENGTH, checkDestination, type DestinationPolicy } from '../../../shared/links/url.ts';

export const MAX_TITLE_LENGTH = 300;
export const MAX_BULK = 100;
/** One year: the longest any cache should keep a redirect (RFC 9111 §5.2.2.1 leaves it to us). */
export const MAX_AGE_CEILING = 31_536_000;

const status = z.literal(REDIRECT_STATUSES, { error: `must be one of ${REDIRECT_STATUSES.join(', ')}` });

const futureInstant = z.pipe(
  z.iso
    .datetime({ offset: true, error: 'must be an ISO-8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' })
    .check(z.refine((value: string) => Date.parse(value) > Date.now(), { error: 'must be in the future' })),
  z.transform((value: string) => new Date(value).toISOString()),
);

const title = z.string().check(z.maxLength(MAX_TITLE_LENGTH, { error: `must be at most ${MAX_TITLE_LENGTH} characters` }));
const maxAge = z.number().check(integer(), z.gte(0), z.lte(MAX_AGE_CEILING));

/** A destination URL, normalized (punycode host) on the way in. */
function destination(policy: DestinationPolicy) {
  return z.pipe(
    z.string().check(z.maxLength(MAX_URL_LENGTH, { error: `must be at most ${MAX_URL_LENGTH} characters` })),
    z.transform((raw: string, ctx) => {
      const check = checkDestination(raw, policy);
      if (check.ok) return check.url;
      ctx.issues.push({ code: 'custom', message: check.reason, input: raw });
      return z.NEVER;
    }),
  );
}

const slug = z.string().check(
  z.superRefine((value: string, ctx) => {
    const problem = slugProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

export function createSchema(policy: DestinationPolicy) {
  return z.strictObject({
    url: destination(policy),
    slug: z.optional(slug),
    status: z.optional(status),
    expiresAt: z.optional(futureInstant),
    title: z.optional(title),
    appendQuery: z.optional(z.boolean()),
    immutable: z.optional(z.boolean()),
    maxAge: z.optional(maxAge),
  });
}
export type CreateInput = z.output<ReturnType<typeof createSchema>>;

export function changeSchema(policy: DestinationPolicy) {
  return z
    .strictObject({
      url: z.optional(destination(policy)),
      status: z.optional(status),
      expiresAt: z.optional(z.nullable(futureInstant)),
      title: z.optional(z.nullable(title)),
      appendQuery: z.optional(z.boolean()),
      immutable: z.optional(z.boolean()),
      maxAge: z.optional(z.nullable(maxAge)),
    })
    .check(z.refine((body: object) => Object.keys(body).length > 0, { error: 'name at least one field to change' }));
}
export type ChangeInput = z.output<ReturnType<typeof changeSchema>>;

/** Bulk bodies are checked item by item (one bad item must not sink the others). */
export const bulkSchema = z.strictObject({
  links: z
    .array(z.unknown(), { error: 'must be an array of link objects' })
    .check(
      z.minLength(1, { error: 'must hold at least one link' }),
      z.maxLength(MAX_BULK, { error: `must hold at most ${MAX_BULK} links` }),
    ),
});

export const listQuerySchema = z.strictObject({
  // KV cursors are opaque base64-like strings; anything else is not one of ours.
  cursor: z.optional(z.string().check(z.maxLength(1024), z.regex(/^[A-Za-z0-9+/=_.-]+$/, { error: 'is not a cursor this API returned' }))),
  limit: z._default(z.coerce.number().check(integer(), z.gte(1), z.lte(100)), 50),
});
