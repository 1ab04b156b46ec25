/**
 * The edge's per-isolate state and the collaborators built from its bindings. Everything an isolate
 * keeps between requests (parsed config, hot snapshots, renders under way, failure cool-downs)
 * hangs off one `EdgeState`, built the first time the isolate sees its `env`; a test that wants a
 * fresh isolate passes a copy of `env`.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { listVar } from '../../../shared/config.ts';
import { perIsolate } from '../../../shared/isolate.ts';
import { configOf, type EdgeConfig } from './config.ts';
import { RenderBudget, SingleFlight } from './budget.ts';
import { EdgeEvents } from './events.ts';
import { KeyDirectories, type Directory } from './identity/key-directory.ts';
import type { RangeCache } from './identity/ip-ranges.ts';
import { SignatureMemo } from './identity/signature-memo.ts';
import type { NonceCache } from './identity/web-bot-auth.ts';
import { FAILURE_COOLDOWN_MS, MAX_COOLDOWNS, type RenderOutcome } from './refresh.ts';
import { RenderLeases, type LeaseVerdict } from './render-lease.ts';
import { VisitHints } from './refresh-visits.ts';
import { bindingRenderer, serviceRenderer, type Renderer } from './renderer.ts';
import { SnapshotStore, hotSnapshotBytes, type HotSnapshot } from './store.ts';

/** Hot snapshots per isolate: 16 MB of the 128 MB an isolate may use. */
export const HOT_CACHE_BYTES = 16 * 1024 * 1024;
const HOT_CACHE_ENTRIES = 10_000;
/** Key directories and published IP range files remembered per isolate. */
const DIRECTORY_ENTRIES = 1_000;
const RANGE_ENTRIES = 100;
/** Nonces of accepted signatures per isolate (each kept until its signature expires). */
const NONCE_ENTRIES = 100_000;

export interface EdgeState {
  config: EdgeConfig;
  /** The hottest snapshots, for `HOT_CACHE_SECONDS`. */
  hot: BoundedMap<HotSnapshot>;
  flights: SingleFlight<RenderOutcome>;
  cooldowns: BoundedMap<true>;
  /** The front door's store (its operation counters are never reported). */
  store: SnapshotStore;
  renderer: Renderer;
  budget: RenderBudget;
  assets: Fetcher;
  events: EdgeEvents;
  directories: KeyDirectories;
  nonces: NonceCache;
  /** Parses and verdicts of Web Bot Auth signatures without a nonce. */
  signatures: SignatureMemo;
  ipRanges: RangeCache;
  /** The merged robots.txt, kept for a minute (robots.ts). */
  robots: BoundedMap<string>;
  /** A page's global render lease by index key, for crawler renders (render-lease.ts); null: off. */
  renderLease: ((indexKey: string) => Promise<LeaseVerdict>) | null;
  /** Visits to pages whose template changed, hinted to the refresh pass (refresh-visits.ts). */
  visits: VisitHints;
}

export const edgeState = perIsolate((env: EdgeEnv): EdgeState => {
  const config = configOf(env);
  const hot = new BoundedMap<HotSnapshot>({
    maxEntries: HOT_CACHE_ENTRIES,
    maxBytes: HOT_CACHE_BYTES,
    sizeOf: hotSnapshotBytes,
    ttlMs: config.hotCacheSeconds * 1000,
  });
  return {
    config,
    hot,
    flights: new SingleFlight<RenderOutcome>(),
    cooldowns: new BoundedMap<true>({ maxEntries: MAX_COOLDOWNS, ttlMs: FAILURE_COOLDOWN_MS }),
    store: new SnapshotStore(env.PRERENDER_INDEX, env.SNAPSHOTS, hot),
    renderer: rendererOf(env, config),
    budget: new RenderBudget(env.RENDER_LIMIT_GLOBAL, env.RENDER_LIMIT_CATEGORY),
    assets: env.ASSETS_SERVICE,
    events: new EdgeEvents(env.EVENTS, config.eventFlushMs),
    directories: new KeyDirectories(new BoundedMap<Directory>({ maxEntries: DIRECTORY_ENTRIES }), new SingleFlight<Directory>()),
    nonces: new BoundedMap<true>({ maxEntries: NONCE_ENTRIES }),
    signatures: new SignatureMemo(),
    ipRanges: new BoundedMap({ maxEntries: RANGE_ENTRIES }),
    robots: new BoundedMap<string>({ maxEntries: 1, ttlMs: 60_000 }),
    renderLease: renderLeaseOf(env, config),
    visits: new VisitHints(env.PRERENDER_INDEX),
  };
});

/** One `Leases` object per cache key; this isolate holds leases under a name of its own. */
function renderLeaseOf(env: EdgeEnv, config: EdgeConfig): EdgeState['renderLease'] {
  if (config.renderLeaseMs === 0) return null;
  const leases = new RenderLeases(crypto.randomUUID(), config.renderLeaseMs, config.renderLeaseWaitMs);
  const namespace = env.RENDER_LEASES;
  return (indexKey) => leases.take(indexKey, () => namespace.get(namespace.idFromName(indexKey)));
}

/**
 * The collaborators of one admin call or cron run: the isolate's state, with a store of its own
 * whose counters report that call's storage operations.
 */
export function depsOf(env: EdgeEnv): EdgeState {
  const state = edgeState(env);
  return { ...state, store: new SnapshotStore(env.PRERENDER_INDEX, env.SNAPSHOTS, state.hot) };
}

export function rendererOf(env: EdgeEnv, config: EdgeConfig): Renderer {
  const token = sendingToken(env.RENDER_TOKEN);
  return config.renderServiceUrl ? serviceRenderer(config.renderServiceUrl, token) : bindingRenderer(env.RENDERER, token);
}

/**
 * The token the edge sends: the first of a comma-separated RENDER_TOKEN. The renderer accepts any
 * token of its own list, so a rotation sets "new,old" on the renderer first, then "new" (or
 * "new,old") here, and never sends the whole list as one token.
 */
export function sendingToken(value: string | undefined): string | undefined {
  return listVar(value)[0];
}
