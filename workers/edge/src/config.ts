/**
 * The edge's configuration, read from `env` vars once per `env` (so once per isolate) and validated
 * with zod: a bad value is a `ConfigError` naming the var, instead of silently rendering the wrong
 * thing.
 */
import * as z from 'zod/mini';
import { integer } from '../../../shared/http/validate.ts';
import { parseCategories, type BotCategory } from '../../../shared/bots/categories.ts';
import { parseRangeSources } from './identity/ip-ranges.ts';
import { readPolicy, type AgentPolicy } from './policy.ts';
import { ConfigError, configLoader, listVar } from '../../../shared/config.ts';
import { MAX_LEASE_MS } from '../../../shared/lease/lease.ts';
import { DEVICES, type Device } from '../../../shared/render/protocol.ts';
import { parseOriginList, parseSiteOrigins, type SiteOrigins } from '../../../shared/render/site.ts';

export interface EdgeConfig {
  site: SiteOrigins;
  /** Query parameters that select another page; every other one is dropped from cache keys. */
  queryParams: ReadonlySet<string>;
  /** What each crawler category gets, and the content signals it is told (policy.ts). */
  policy: AgentPolicy;
  verifyBots: boolean;
  verifyCategories: ReadonlySet<BotCategory>;
  /** Web Bot Auth key directories on `http://localhost` / `http://127.0.0.1` are fetched (the site is local). */
  allowLocalDirectories: boolean;
  /** Published IP ranges by crawler token (lower case), checked when verification is on. */
  ipRangeSources: ReadonlyMap<string, string>;
  /** The render budget as the rate-limit bindings enforce it (reported by the stats API). */
  renderLimitPerMinute: number;
  renderLimitPerCategoryPerMinute: number;
  /** How long the first event count of a quiet spell waits for others before one queue send. */
  eventFlushMs: number;
  freshSeconds: number;
  errorFreshSeconds: number;
  staleSeconds: number;
  renderWaitMs: number;
  /** How long a page's global render lease lasts (0: no lease, each isolate decides alone). */
  renderLeaseMs: number;
  /** How long a miss waits for the lease object's answer before deciding without it. */
  renderLeaseWaitMs: number;
  renderServiceUrl: string | null;
  warmupDevices: readonly Device[];
  warmupMaxRenders: number;
  warmupMaxChecks: number;
  warmupConcurrency: number;
  hotCacheSeconds: number;
  refreshMaxChecks: number;
  refreshMaxRevalidations: number;
  refreshMaxRenders: number;
  /** Origins whose recorded data requests may be revalidated: the site's and `DEPENDENCY_ORIGINS`. */
  dependencyOrigins: ReadonlySet<string>;
  /** Where `/_content/` is forwarded (content-proxy.ts); null: not forwarded. */
  contentApiOrigin: string | null;
}

/**
 * `CACHE_QUERY_PARAMS` when the var is not set: pagination, search and language, the parameters
 * that most often select other content in an SPA. Anything else in a query (tracking tags, click
 * ids, cache busters) is dropped, so it cannot split the cache.
 */
export const DEFAULT_CACHE_QUERY_PARAMS = 'page,q,lang';

const seconds = z.coerce.number().check(integer(), z.positive());

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether every origin of the site is on this machine (`npm start`, the tests). */
export function siteIsLocal(site: SiteOrigins): boolean {
  return [...site.all].every((origin) => LOCAL_HOSTS.has(new URL(origin).hostname));
}

/**
 * Switching verification off is honoured only while every site origin is local: a production deploy
 * that forgot to override `VERIFY_BOTS = "false"` still refuses renders to spoofed crawlers.
 */
export function verificationRequired(flag: string | undefined, site: SiteOrigins): boolean {
  if (flag !== 'false') return true;
  return !siteIsLocal(site);
}

/** Parameter names as `URLSearchParams` yields them; one with a space, `=`, `&`, `?` or `#` is a typo. */
export function parseQueryParams(value: string | undefined): Set<string> {
  const names = listVar(value ?? DEFAULT_CACHE_QUERY_PARAMS);
  const bad = names.find((name) => /[\s=&?#]/.test(name));
  if (bad !== undefined) throw new ConfigError('CACHE_QUERY_PARAMS', `"${bad}" is not a query parameter name`);
  return new Set(names);
}

function field<T>(variable: string, schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(variable, result.error.issues.map((i) => i.message).join('; '));
  return result.data;
}

function categories(variable: string, value: string | undefined): Set<BotCategory> {
  try {
    return parseCategories(value);
  } catch (error) {
    throw new ConfigError(variable, (error as Error).message);
  }
}

export function readConfig(env: EdgeEnv): EdgeConfig {
  const site = parseSiteOrigins(env.SITE_ORIGINS);
  const serviceUrl = (env.RENDER_SERVICE_URL ?? '').trim();
  return {
    site,
    queryParams: parseQueryParams(env.CACHE_QUERY_PARAMS),
    policy: readPolicy(env.AGENT_POLICY, env.CONTENT_SIGNALS),
    verifyBots: verificationRequired(env.VERIFY_BOTS, site),
    verifyCategories: categories('VERIFY_CATEGORIES', env.VERIFY_CATEGORIES),
    allowLocalDirectories: siteIsLocal(site),
    ipRangeSources: parseRangeSources(env.CRAWLER_IP_RANGES),
    renderLimitPerMinute: field('RENDER_LIMIT_PER_MINUTE', seconds, env.RENDER_LIMIT_PER_MINUTE),
    renderLimitPerCategoryPerMinute: field('RENDER_LIMIT_PER_CATEGORY_PER_MINUTE', seconds, env.RENDER_LIMIT_PER_CATEGORY_PER_MINUTE),
    eventFlushMs: field('EVENT_FLUSH_MS', z.coerce.number().check(integer(), z.minimum(0), z.maximum(60_000)), env.EVENT_FLUSH_MS),
    freshSeconds: field('FRESH_SECONDS', seconds, env.FRESH_SECONDS),
    errorFreshSeconds: field('ERROR_FRESH_SECONDS', seconds, env.ERROR_FRESH_SECONDS),
    staleSeconds: field('STALE_SECONDS', seconds, env.STALE_SECONDS),
    renderWaitMs: field('RENDER_WAIT_MS', seconds, env.RENDER_WAIT_MS),
    // At most the lease object's cap: it refuses a longer lease.
    renderLeaseMs: field(
      'RENDER_LEASE_MS',
      z.coerce.number().check(integer(), z.minimum(0), z.maximum(MAX_LEASE_MS)),
      env.RENDER_LEASE_MS ?? '0',
    ),
    renderLeaseWaitMs: field(
      'RENDER_LEASE_WAIT_MS',
      z.coerce.number().check(integer(), z.minimum(1), z.maximum(10_000)),
      env.RENDER_LEASE_WAIT_MS ?? '1000',
    ),
    renderServiceUrl:
      serviceUrl === '' ? null : field('RENDER_SERVICE_URL', z.url({ protocol: /^https?$/ }), serviceUrl).replace(/\/+$/, ''),
    warmupDevices: field('WARMUP_DEVICES', z.array(z.enum(DEVICES)).check(z.minLength(1)), listVar(env.WARMUP_DEVICES ?? 'mobile,desktop')),
    warmupMaxRenders: field('WARMUP_MAX_RENDERS', z.coerce.number().check(integer(), z.nonnegative()), env.WARMUP_MAX_RENDERS),
    warmupMaxChecks: field('WARMUP_MAX_CHECKS', z.coerce.number().check(integer(), z.positive()), env.WARMUP_MAX_CHECKS),
    warmupConcurrency: field('WARMUP_CONCURRENCY', z.coerce.number().check(integer(), z.minimum(1), z.maximum(10)), env.WARMUP_CONCURRENCY),
    hotCacheSeconds: field(
      'HOT_CACHE_SECONDS',
      z.coerce.number().check(integer(), z.minimum(0), z.maximum(300)),
      env.HOT_CACHE_SECONDS ?? '0',
    ),
    refreshMaxChecks: field('REFRESH_MAX_CHECKS', z.coerce.number().check(integer(), z.positive()), env.REFRESH_MAX_CHECKS ?? '300'),
    refreshMaxRevalidations: field(
      'REFRESH_MAX_REVALIDATIONS',
      z.coerce.number().check(integer(), z.nonnegative()),
      env.REFRESH_MAX_REVALIDATIONS ?? '300',
    ),
    refreshMaxRenders: field('REFRESH_MAX_RENDERS', z.coerce.number().check(integer(), z.nonnegative()), env.REFRESH_MAX_RENDERS ?? '50'),
    dependencyOrigins: new Set([...site.all, ...parseOriginList(env.DEPENDENCY_ORIGINS, 'DEPENDENCY_ORIGINS')]),
    contentApiOrigin: parseOriginList(env.CONTENT_API_ORIGIN, 'CONTENT_API_ORIGIN')[0] ?? null,
  };
}

/** `readConfig`, once per `env`. */
export const configOf = configLoader(readConfig);
