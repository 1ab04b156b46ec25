/**
 * The recache / purge API, like prerender.io's recache API: `POST /__prerender/recache` and
 * `POST /__prerender/purge` with `{ "url": "..." }` or `{ "prefix": "..." }` and
 * `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time).
 */
import * as z from 'zod/mini';
import { configLoader, listVar } from '../../../shared/config.ts';
import { readJson } from '../../../shared/http/body.ts';
import { badRequest, HttpError } from '../../../shared/http/errors.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { DEVICES, type Device } from '../../../shared/render/protocol.ts';
import { cacheKey, pageUrl, prefixUrl, type PageRules } from './cache-key.ts';
import type { EdgeState } from './deps.ts';
import { refresh, type RefreshDeps } from './refresh.ts';
import { queueToFront } from './refresh-pass.ts';

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

/** A URL or a prefix, and a device: a few hundred bytes. */
const ADMIN_BODY_LIMIT = 16 * 1024;

/**
 * ADMIN_TOKEN, comma-separated so a rotation can list the new and the old token; read once per
 * isolate. None configured lets nobody in.
 */
export const adminTokens = configLoader((env: EdgeEnv) => listVar(env.ADMIN_TOKEN));

export async function parseAdminBody(request: Request): Promise<AdminBody> {
  return parseInput(AdminBody, await readJson(request, ADMIN_BODY_LIMIT), { code: 'invalid_body' });
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

/**
 * Purged pages (a CMS webhook saying "this changed") go to the front of the next refresh pass, which
 * renders them before anything else; until then a crawler's request renders them as a miss.
 */
export async function purge(body: AdminBody, deps: AdminDeps & { index: KVNamespace }): Promise<Response> {
  let purged = 0;
  if (body.url !== undefined) {
    const url = siteTarget(body.url, deps.config);
    for (const device of devicesOf(body)) if (await deps.store.purge((await cacheKey(url, device)).index)) purged++;
    await queueToFront(deps.index, url, devicesOf(body));
    return Response.json({ url, purged });
  }
  const prefix = prefixOf(body.prefix!, deps.config);
  const names: string[] = [];
  for await (const name of deps.store.keysWithPrefix(prefix, devicesOf(body))) names.push(name);
  for (const name of names) {
    if (await deps.store.purge(name)) purged++;
    const match = /^snap:(mobile|desktop):(.+)$/.exec(name);
    // A hashed key does not name its URL; that page is rendered on its next request.
    if (match && !match[2]!.startsWith('#')) await queueToFront(deps.index, match[2]!, [match[1] as Device]);
  }
  return Response.json({ prefix, purged });
}
