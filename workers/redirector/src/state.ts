/**
 * Everything the redirector keeps between requests of one isolate, built once per `env`
 * (shared/isolate.ts) and handed to the code that needs it: the parsed config, the memories of
 * `resolve.ts`, the click recorder of `clicks.ts`, the redirect headers of `respond.ts` and the
 * app association files. Tests build a fresh one from a copy of `env` instead of resetting globals.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { ConfigError, configLoader, integerVar } from '../../../shared/config.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';
import { ClickRecorder } from './clicks.ts';
import type { AuthorityStub, Env } from './env.ts';
import { DEFAULT_MAX_AGE, type FixedHeaders } from './respond.ts';

export interface Remembered {
  record: LinkRecord;
  readAt: number;
}

export interface RedirectorState {
  /** Default max-age of a permanent redirect (`REDIRECT_MAX_AGE`). */
  maxAge: number;
  /** The code's authority stub, or undefined when the binding is missing. */
  authority: (code: string) => AuthorityStub | undefined;
  /** "Nobody owns this code", remembered briefly so scanners do not reach the authority each time. */
  negative: BoundedMap<true>;
  /** Records this isolate read, so a KV outage does not become a 503 for links it just served. */
  lastKnown: BoundedMap<Remembered>;
  clicks: ClickRecorder;
  /** Preview cards need Cloudflare's verified-bot signals, where the zone has them (`VERIFY_BOTS`). */
  verifyBots: boolean;
  /** Redirect headers per record and destination, built once per record read (respond.ts). */
  headers: FixedHeaders;
  /** The app association files the short domain serves, as JSON text, or null when not configured. */
  wellKnown: { appleAppSiteAssociation: string | null; assetLinks: string | null };
}

export const redirectorState = configLoader((env: Env): RedirectorState => {
  const authority = (code: string) => env.LINK_AUTHORITY?.get(env.LINK_AUTHORITY.idFromName(code));
  return {
    maxAge: integerVar(env, 'REDIRECT_MAX_AGE', DEFAULT_MAX_AGE),
    authority,
    negative: new BoundedMap({ maxEntries: 10_000 }),
    lastKnown: new BoundedMap({ maxEntries: 2_000 }),
    clicks: new ClickRecorder({
      analytics: env.CLICKS,
      queue: env.CLICK_EVENTS,
      flushMs: integerVar(env, 'CLICK_FLUSH_MS', 1000),
      burst: { links: integerVar(env, 'SCANNER_BURST_LINKS', 0), windowMs: integerVar(env, 'SCANNER_BURST_MS', 2000) },
    }),
    verifyBots: booleanVar(env, 'VERIFY_BOTS'),
    headers: new WeakMap(),
    wellKnown: {
      appleAppSiteAssociation: jsonDocument(env, 'APPLE_APP_SITE_ASSOCIATION', 'object'),
      assetLinks: jsonDocument(env, 'ASSET_LINKS', 'array'),
    },
  };
});

function booleanVar(env: Env, name: 'VERIFY_BOTS'): boolean {
  const value = (env[name] as string | undefined)?.trim() ?? '';
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  throw new ConfigError(name, `"${value}" is not true or false`);
}

/**
 * A document served as it is configured: the formats are Apple's and Google's, not ours, so the
 * only check is that it is the JSON object (or array) each platform reads. Empty: not served.
 */
function jsonDocument(env: Env, name: 'APPLE_APP_SITE_ASSOCIATION' | 'ASSET_LINKS', shape: 'object' | 'array'): string | null {
  const text = (env[name] as string | undefined)?.trim() ?? '';
  if (text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(name, 'is not valid JSON');
  }
  if (shape === 'array' ? !Array.isArray(value) : value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(name, `must be a JSON ${shape}`);
  }
  return JSON.stringify(value);
}
