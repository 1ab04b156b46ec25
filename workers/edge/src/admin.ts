/**
 * The recache / purge API, like prerender.io's recache API: `POST /__prerender/recache` and
 * `POST /__prerender/purge` with `{ "url": "..." }` or `{ "prefix": "..." }` and
 * `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time).
 */
import * as z from 'zod/mini';
import '../../../shared/zod.ts';
import { badRequest, HttpError, unauthorized } from '../../../shared/http/errors.ts';
import { bearerToken, parseTokenList, tokenMatches } from '../../../shared/http/auth.ts';
import { DEVICES, type Device } from '../../../shared/render/protocol.ts';
import { cacheKey, pageUrl, prefixUrl, type PageRules } from './cache-key.ts';
import type { EdgeState } from './deps.ts';
import { refresh, type RefreshDeps } from './refresh.ts';

export const AdminBody = z
  .strictObject({
    url: z.optional(z.string()),
    prefix: z.optional(z.string()),
    device: z.optional(z.enum(DEVICES)),
  })
  .check(
    z.refine((body) => (body.url === undefined) !== (body.prefix === undefined), { message: 'give exactly one of "url" or "prefix"' }),
  );
export type AdminBody = z.infer<typeof AdminBody>;

export async function requireAdmin(request: Request, adminTokens: string | undefined): Promise<void> {
  const token = bearerToken(request);
  if (token === null || !(await tokenMatches(token, parseTokenList(adminTokens)))) throw unauthorized();
}

export async function parseAdminBody(request: Request): Promise<AdminBody> {
  const json = await request.json().catch(() => {
    throw badRequest('invalid_json', 'the body must be a JSON object');
  });
  const parsed = AdminBody.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    throw badRequest('invalid_body', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues, field: issues[0]?.field });
  }
  return parsed.data;
}

/** The page URL of `value` (an absolute URL of any of the site's origins), normalised as cache keys are; else a 400. */
export function siteTarget(value: string, rules: PageRules): string {
  const url = URL.parse(value);
  const page = url && pageUrl(url, rules);
  if (!page) throw notOnSite('url', rules);
  return page;
}

/** A URL prefix is matched against page URLs: the canonical origin and the normalised path as given, no query. */
function prefixOf(value: string, rules: PageRules): string {
  const url = URL.parse(value);
  const prefix = url && prefixUrl(url, rules.site);
  if (!prefix) throw notOnSite('prefix', rules);
  return prefix;
}

function notOnSite(field: 'url' | 'prefix', rules: PageRules) {
  return badRequest('invalid_url', `${field} must be an absolute URL of this site (${[...rules.site.all].join(', ')})`, { field });
}

function devicesOf(body: AdminBody): readonly Device[] {
  return body.device ? [body.device] : DEVICES;
}

export interface AdminDeps extends Omit<EdgeState, 'assets'> {
  waitUntil: (promise: Promise<unknown>) => void;
}

export async function recache(body: AdminBody, deps: AdminDeps): Promise<Response> {
  if (body.url !== undefined) {
    const url = siteTarget(body.url, deps.config);
    // One URL, asked for by an operator: rendered now, outside the crawler budget.
    const refreshDeps: RefreshDeps = { ...deps, budget: null, budgetKey: 'recache' };
    const results = [];
    for (const device of devicesOf(body)) {
      const key = await cacheKey(url, device);
      const outcome = await refresh(key, await deps.store.lookup(key), refreshDeps).promise;
      results.push(
        outcome.kind === 'stored'
          ? {
              device,
              outcome: 'stored',
              status: outcome.entry.status,
              hash: outcome.entry.hash,
              bytes: outcome.body === null ? 0 : new TextEncoder().encode(outcome.body).byteLength,
              bodyWritten: outcome.bodyWritten,
              renderMs: outcome.renderMs,
            }
          : outcome.kind === 'serve-only'
            ? { device, outcome: 'not-cacheable', status: outcome.status }
            : { device, outcome: 'failed', reason: outcome.reason },
      );
    }
    const body_ = { url, results, ops: deps.store.stats };
    if (results.every((r) => r.outcome === 'failed')) {
      return new HttpError(502, 'render_failed', `rendering ${url} failed: ${results.map((r) => r.reason).join(', ')}`).toResponse();
    }
    return Response.json(body_);
  }
  // A prefix: every cached page under it, re-rendered in the background within the budget.
  const prefix = prefixOf(body.prefix!, deps.config);
  const keys: string[] = [];
  for await (const name of deps.store.keysWithPrefix(prefix, devicesOf(body))) keys.push(name);
  deps.waitUntil(recacheKeys(keys, deps));
  return Response.json({ prefix, queued: keys.length }, { status: 202 });
}

async function recacheKeys(names: readonly string[], deps: AdminDeps): Promise<void> {
  const refreshDeps: RefreshDeps = { ...deps, budgetKey: 'recache' };
  for (const name of names) {
    const match = /^snap:(mobile|desktop):(.+)$/.exec(name);
    if (!match || match[2]!.startsWith('#')) continue;
    const key = await cacheKey(match[2]!, match[1] as Device);
    const outcome = await refresh(key, await deps.store.lookup(key), refreshDeps).promise;
    if (outcome.kind === 'failed' && outcome.reason === 'budget') break;
  }
}

export async function purge(body: AdminBody, deps: AdminDeps): Promise<Response> {
  let purged = 0;
  if (body.url !== undefined) {
    const url = siteTarget(body.url, deps.config);
    for (const device of devicesOf(body)) if (await deps.store.purge((await cacheKey(url, device)).index)) purged++;
    return Response.json({ url, purged });
  }
  const prefix = prefixOf(body.prefix!, deps.config);
  const names: string[] = [];
  for await (const name of deps.store.keysWithPrefix(prefix, devicesOf(body))) names.push(name);
  for (const name of names) if (await deps.store.purge(name)) purged++;
  return Response.json({ prefix, purged });
}
