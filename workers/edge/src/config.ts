/**
 * The edge's configuration, read once per request from `env` vars and validated with zod: a bad
 * value fails loudly naming the var, instead of silently rendering the wrong thing.
 */
import * as z from 'zod/mini';
import { integer } from '../../../shared/http/validate.ts';
import { parseCategories, type BotCategory } from '../../../shared/bots/categories.ts';
import type { Device } from './cache-key.ts';

export interface EdgeConfig {
  siteOrigins: readonly string[];
  renderCategories: ReadonlySet<BotCategory>;
  cacheOnlyCategories: ReadonlySet<BotCategory>;
  verifyBots: boolean;
  verifyCategories: ReadonlySet<BotCategory>;
  freshSeconds: number;
  errorFreshSeconds: number;
  staleSeconds: number;
  renderWaitMs: number;
  renderServiceUrl: string | null;
  warmupDevices: readonly Device[];
  warmupMaxRenders: number;
  warmupMaxChecks: number;
  warmupConcurrency: number;
  hotCacheSeconds: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const seconds = z.coerce.number().check(integer(), z.positive());

/** Origins are compared after URL parsing, so `HTTP://LocalHost:8787/` equals `http://localhost:8787`. */
export function parseOrigins(value: string | undefined): string[] {
  const origins = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      const url = URL.parse(raw);
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        throw new ConfigError('SITE_ORIGINS', `"${raw}" is not an http(s) origin`);
      return url.origin;
    });
  if (origins.length === 0) throw new ConfigError('SITE_ORIGINS', 'at least one origin is required');
  return origins;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Switching verification off is honoured only while every site origin is local: a production deploy
 * that forgot to override `VERIFY_BOTS = "false"` still refuses renders to spoofed crawlers.
 */
export function verificationRequired(flag: string | undefined, origins: readonly string[]): boolean {
  if (flag !== 'false') return true;
  return !origins.every((origin) => LOCAL_HOSTS.has(new URL(origin).hostname));
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
  const siteOrigins = parseOrigins(env.SITE_ORIGINS);
  const serviceUrl = (env.RENDER_SERVICE_URL ?? '').trim();
  const devices = (env.WARMUP_DEVICES ?? 'mobile,desktop')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    siteOrigins,
    renderCategories: categories('RENDER_CATEGORIES', env.RENDER_CATEGORIES),
    cacheOnlyCategories: categories('CACHE_ONLY_CATEGORIES', env.CACHE_ONLY_CATEGORIES),
    verifyBots: verificationRequired(env.VERIFY_BOTS, siteOrigins),
    verifyCategories: categories('VERIFY_CATEGORIES', env.VERIFY_CATEGORIES),
    freshSeconds: field('FRESH_SECONDS', seconds, env.FRESH_SECONDS),
    errorFreshSeconds: field('ERROR_FRESH_SECONDS', seconds, env.ERROR_FRESH_SECONDS),
    staleSeconds: field('STALE_SECONDS', seconds, env.STALE_SECONDS),
    renderWaitMs: field('RENDER_WAIT_MS', seconds, env.RENDER_WAIT_MS),
    renderServiceUrl:
      serviceUrl === '' ? null : field('RENDER_SERVICE_URL', z.url({ protocol: /^https?$/ }), serviceUrl).replace(/\/+$/, ''),
    warmupDevices: field('WARMUP_DEVICES', z.array(z.enum(['mobile', 'desktop'])).check(z.minLength(1)), devices),
    warmupMaxRenders: field('WARMUP_MAX_RENDERS', z.coerce.number().check(integer(), z.nonnegative()), env.WARMUP_MAX_RENDERS),
    warmupMaxChecks: field('WARMUP_MAX_CHECKS', z.coerce.number().check(integer(), z.positive()), env.WARMUP_MAX_CHECKS),
    warmupConcurrency: field('WARMUP_CONCURRENCY', z.coerce.number().check(integer(), z.minimum(1), z.maximum(10)), env.WARMUP_CONCURRENCY),
    hotCacheSeconds: field(
      'HOT_CACHE_SECONDS',
      z.coerce.number().check(integer(), z.minimum(0), z.maximum(300)),
      env.HOT_CACHE_SECONDS ?? '0',
    ),
  };
}
