/**
 * Which operator API call goes to which owner, and what its answer must look like. A pure table:
 * the console forwards exactly these paths (at the same path, to the owner's `OperatorApi`
 * entrypoint) and nothing else, validates the query it knows, and holds every JSON answer to the
 * shared contract in shared/operator/.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { methodNotAllowed } from '../../../shared/http/errors.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { breakerStats } from '../../../shared/operator/breaker.ts';
import { clickStats } from '../../../shared/operator/clicks.ts';
import { statsQuery } from '../../../shared/operator/common.ts';
import { importResult, linkPage, linkView, QR_FORMATS } from '../../../shared/operator/links.ts';
import { prerenderStats, snapshotList } from '../../../shared/operator/prerender.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { badRequest } from '../../../shared/http/errors.ts';

export const OWNERS = ['shortener', 'edge', 'feed'] as const;
export type Owner = (typeof OWNERS)[number];

/** What the owner must answer on success. */
export type Answer =
  | { kind: 'json'; schema: $ZodType }
  | { kind: 'image' }
  | { kind: 'csv' }
  /** 204, no body (a delete). */
  | { kind: 'empty' };

export interface OwnerCall {
  owner: Owner;
  /** Path and query to send: the same path, only the query parameters this call knows. */
  target: string;
  answer: Answer;
  /** How the request body is read and sent: JSON, a CSV file, or none. */
  body: 'json' | 'csv' | 'none';
}

/** Any JSON object: answers of writes whose details only the owner's own OpenAPI document fixes. */
const jsonObject = z.record(z.string(), z.unknown());

const KB = 1024;
/** Bodies the console forwards: a link or an admin command is small; a CSV import may be a few thousand rows. */
export const BODY_LIMITS = { json: 64 * KB, csv: 2 * 1024 * KB } as const;

const listQuery = z.object({
  q: z.optional(z.string().check(z.maxLength(200))),
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  limit: z.optional(z.string().check(z.regex(/^\d{1,4}$/, { error: 'must be a whole number' }))),
});
const snapshotQuery = z.object({
  prefix: z.optional(z.string().check(z.maxLength(2048))),
  cursor: z.optional(z.string().check(z.maxLength(1024))),
  limit: z.optional(z.string().check(z.regex(/^\d{1,4}$/, { error: 'must be a whole number' }))),
});
const qrQuery = z.object({
  format: z._default(z.enum(QR_FORMATS), 'svg'),
  size: z.optional(z.string().check(z.regex(/^\d{2,4}$/, { error: 'must be a whole number of pixels' }))),
  tag: z.optional(z.enum(['qr', 'none'])),
});
const exportQuery = z.object({ q: z.optional(z.string().check(z.maxLength(200))) });

interface Route {
  pattern: RegExp;
  owner: Owner;
  methods: Partial<Record<string, { answer: Answer; query?: $ZodType; body?: OwnerCall['body'] }>>;
}

const json = (schema: $ZodType): Answer => ({ kind: 'json', schema });

/** Most specific first: `/api/links/<code>/clicks` before `/api/links/<code>`. */
const ROUTES: Route[] = [
  {
    pattern: /^\/api\/links$/,
    owner: 'shortener',
    methods: { GET: { answer: json(linkPage), query: listQuery }, POST: { answer: json(linkView), body: 'json' } },
  },
  {
    pattern: /^\/api\/links\.csv$/,
    owner: 'shortener',
    methods: { GET: { answer: { kind: 'csv' }, query: exportQuery }, POST: { answer: json(importResult), body: 'csv' } },
  },
  { pattern: /^\/api\/links\/([^/]+)\/clicks$/, owner: 'shortener', methods: { GET: { answer: json(clickStats), query: statsQuery } } },
  { pattern: /^\/api\/links\/([^/]+)\/qr$/, owner: 'shortener', methods: { GET: { answer: { kind: 'image' }, query: qrQuery } } },
  {
    pattern: /^\/api\/links\/([^/]+)$/,
    owner: 'shortener',
    methods: { GET: { answer: json(linkView) }, PATCH: { answer: json(linkView), body: 'json' }, DELETE: { answer: { kind: 'empty' } } },
  },
  { pattern: /^\/__prerender\/stats$/, owner: 'edge', methods: { GET: { answer: json(prerenderStats), query: statsQuery } } },
  { pattern: /^\/__prerender\/snapshots$/, owner: 'edge', methods: { GET: { answer: json(snapshotList), query: snapshotQuery } } },
  { pattern: /^\/__prerender\/(?:recache|purge|warm)$/, owner: 'edge', methods: { POST: { answer: json(jsonObject), body: 'json' } } },
  { pattern: /^\/api\/feed\/_stats$/, owner: 'feed', methods: { GET: { answer: json(breakerStats), query: statsQuery } } },
  {
    pattern: /^\/api\/feed\/_status$/,
    owner: 'feed',
    methods: { GET: { answer: json(jsonObject) }, POST: { answer: json(jsonObject), body: 'json' } },
  },
];

/** True for a path the console forwards to an owner (whatever the method). */
export function isOwnerPath(path: string): boolean {
  return ROUTES.some((r) => r.pattern.test(path));
}

/**
 * The call to make for `method path?query`, or null when no owner serves the path. A known path
 * with another method is a 405; a bad code or query parameter a 400 naming it.
 */
export function ownerCall(method: string, path: string, query: URLSearchParams): OwnerCall | null {
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (route === undefined) return null;
  const spec = route.methods[method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()];
  if (spec === undefined) throw methodNotAllowed(Object.keys(route.methods));
  const code = route.pattern.exec(path)?.[1];
  if (code !== undefined && !CODE_PATTERN.test(safeDecode(code))) {
    throw badRequest('invalid_code', 'a link code holds only letters, digits, "-" and "_"', { field: 'code' });
  }
  let search = '';
  if (spec.query !== undefined) {
    const parsed = parseInput(spec.query, Object.fromEntries(query), { code: 'invalid_query' }) as Record<string, string | undefined>;
    const kept = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) if (value !== undefined) kept.set(name, String(value));
    search = kept.size > 0 ? `?${kept}` : '';
  }
  return { owner: route.owner, target: `${path}${search}`, answer: spec.answer, body: spec.body ?? 'none' };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
