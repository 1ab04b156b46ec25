/**
 * The renderer's settings, from its vars and secrets (wrangler.toml [env.renderer]) or, for the
 * self-hosted render service, from a Node process's environment. Read once per `env` (so once per
 * isolate); a malformed setting is a `ConfigError` naming the var: a deployment bug, better loud
 * than a silently open policy.
 */
import { ConfigError, configLoader, listVar } from '../../../shared/config.ts';
import { originPolicy, type OriginPolicy } from './url-policy.ts';
import type { WaitBudget } from './wait-strategy.ts';

export interface RendererConfig {
  policy: OriginPolicy;
  timeoutMs: number;
  budget: WaitBudget;
  /** Forward renders to this self-hosted render service instead of the BROWSER binding. */
  serviceUrl: URL | null;
  /** Accepted bearer tokens (comma-separated in RENDER_TOKEN, so a rotation can overlap). */
  tokens: string[];
}

/** The settings as strings, as both wrangler vars and a Node process's environment hold them. */
export interface RendererSettings {
  SITE_ORIGINS?: string;
  RENDER_ALLOWED_ORIGINS?: string;
  RENDER_TIMEOUT_MS?: string;
  RENDER_IDLE_CAP_MS?: string;
  RENDER_SERVICE_URL?: string;
  RENDER_TOKEN?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_CAP_MS = 3_000;
/** Puppeteer's own networkidle0 threshold. */
export const IDLE_TIME_MS = 500;

export function readRendererConfig(settings: RendererSettings): RendererConfig {
  return {
    policy: originPolicy(settings.SITE_ORIGINS, settings.RENDER_ALLOWED_ORIGINS),
    timeoutMs: positiveInteger('RENDER_TIMEOUT_MS', settings.RENDER_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
    budget: {
      idleTimeMs: IDLE_TIME_MS,
      idleCapMs: positiveInteger('RENDER_IDLE_CAP_MS', settings.RENDER_IDLE_CAP_MS, DEFAULT_IDLE_CAP_MS),
    },
    serviceUrl: serviceUrl(settings.RENDER_SERVICE_URL),
    tokens: listVar(settings.RENDER_TOKEN),
  };
}

/** `readRendererConfig`, once per settings object (a worker's `env`, a process's environment). */
export const rendererConfig = configLoader(readRendererConfig);

function serviceUrl(value: string | undefined): URL | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return null;
  const url = URL.parse(trimmed);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError('RENDER_SERVICE_URL', `"${trimmed}" is not an http(s) URL`);
  return url;
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new ConfigError(name, `must be a positive integer of milliseconds, got "${value}"`);
  return number;
}
