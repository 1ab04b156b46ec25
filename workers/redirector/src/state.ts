/**
 * Everything the redirector keeps between requests of one isolate, built once per `env`
 * (shared/isolate.ts) and handed to the code that needs it: the parsed config, the memories of
 * `resolve.ts`, the click batches of `clicks.ts` and the redirect headers of `respond.ts`.
 * Tests build a fresh one from a copy of `env` instead of resetting module globals.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { configLoader, integerVar } from '../../../shared/config.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';
import { ClickCounter } from './clicks.ts';
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
  clicks: ClickCounter;
  /** Redirect headers per record, built once per record read (respond.ts). */
  headers: FixedHeaders;
}

export const redirectorState = configLoader((env: Env): RedirectorState => {
  const authority = (code: string) => env.LINK_AUTHORITY?.get(env.LINK_AUTHORITY.idFromName(code));
  return {
    maxAge: integerVar(env, 'REDIRECT_MAX_AGE', DEFAULT_MAX_AGE),
    authority,
    negative: new BoundedMap({ maxEntries: 10_000 }),
    lastKnown: new BoundedMap({ maxEntries: 2_000 }),
    clicks: new ClickCounter({ analytics: env.CLICKS, authority }, integerVar(env, 'CLICK_FLUSH_MS', 1000)),
    headers: new WeakMap(),
  };
});
