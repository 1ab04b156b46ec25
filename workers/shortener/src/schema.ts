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
import { DEVICES, REDIRECT_STATUSES, type RuleCondition } from '../../../shared/links/record.ts';
import { MAX_URL_LENGTH, checkDestination, type DestinationPolicy } from '../../../shared/links/url.ts';

export const MAX_TITLE_LENGTH = 300;
export const MAX_BULK = 100;
/** Rules per link: each is checked on every click of the link (a bench row holds 10 to 0.9 of a plain link). */
export const MAX_RULES = 20;
/** Parameters one query rule may name. */
export const MAX_QUERY_PARAMS = 10;
export const MAX_DESCRIPTION_LENGTH = 1000;
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

const CONDITION_KEYS = ['device', 'country', 'language', 'query'] as const;

/** One rule's condition: exactly one of device, country, language or query. */
const conditionFields = z
  .strictObject({
    device: z.optional(z.enum(DEVICES, { error: `must be one of ${DEVICES.join(', ')}` })),
    country: z.optional(
      z.pipe(
        z.string().check(z.regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter country code (ISO 3166-1 alpha-2), e.g. DE' })),
        z.transform((code: string) => code.toUpperCase()),
      ),
    ),
    language: z.optional(
      z.pipe(
        z
          .string()
          .check(z.regex(/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/, { error: 'must be a language tag (RFC 5646), e.g. fr or pt-BR' })),
        z.transform((tag: string) => tag.toLowerCase()),
      ),
    ),
    query: z.optional(
      z
        .record(
          z.string().check(z.minLength(1), z.maxLength(100)),
          z.string().check(z.maxLength(200, { error: 'must be at most 200 characters ("*": any value)' })),
        )
        .check(
          z.refine((q: object) => Object.keys(q).length >= 1, { error: 'must name at least one parameter' }),
          z.refine((q: object) => Object.keys(q).length <= MAX_QUERY_PARAMS, { error: `must name at most ${MAX_QUERY_PARAMS} parameters` }),
        ),
    ),
  })
  .check(
    z.refine((c: object) => CONDITION_KEYS.filter((k) => k in c).length === 1, {
      error: `must name exactly one of ${CONDITION_KEYS.join(', ')}`,
    }),
  );
// Exactly one key is present once the check passed: the shape the redirector reads.
const condition = z.pipe(
  conditionFields,
  z.transform((fields) => fields as RuleCondition),
);

function rules(policy: DestinationPolicy) {
  return z
    .array(z.strictObject({ if: condition, url: destination(policy) }), { error: 'must be an array of rules' })
    .check(z.maxLength(MAX_RULES, { error: `must hold at most ${MAX_RULES} rules` }));
}

function preview(policy: DestinationPolicy) {
  return z.strictObject({
    title: z
      .string()
      .check(
        z.minLength(1, { error: 'must not be empty' }),
        z.maxLength(MAX_TITLE_LENGTH, { error: `must be at most ${MAX_TITLE_LENGTH} characters` }),
      ),
    description: z.optional(
      z.string().check(z.maxLength(MAX_DESCRIPTION_LENGTH, { error: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` })),
    ),
    image: z.optional(destination(policy)),
  });
}

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
    rules: z.optional(rules(policy)),
    preview: z.optional(preview(policy)),
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
      rules: z.optional(z.nullable(rules(policy))),
      preview: z.optional(z.nullable(preview(policy))),
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
  q: z.optional(z.string().check(z.maxLength(200, { error: 'must be at most 200 characters' }))),
  // Cursors are opaque base64url strings (catalog.ts); anything else is not one of ours.
  cursor: z.optional(z.string().check(z.maxLength(1024), z.regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a cursor this API returned' }))),
  limit: z._default(z.coerce.number().check(integer(), z.gte(1), z.lte(100)), 50),
});
