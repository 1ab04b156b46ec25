/**
 * Everything the feed worker keeps between requests of one isolate, built once per `env`
 * (shared/isolate.ts) and handed to the code that needs it: the parsed config, the isolate's copy
 * of the shared breaker, the KV tier's memory, the last degraded answer per tab, the cache write
 * throttle and write lease, the CORS grants, the token verifier, the event counter and the concurrency limit. Tests get a fresh isolate from a fresh copy of `env`.
 */
import { perIsolate } from '../../../shared/isolate.ts';
import type { LeaseStub } from '../../../shared/lease/lease.ts';
import type { Leases } from '../../../shared/lease/object.ts';
import type { FeedBreakerAggregator } from './breaker-aggregator.ts';
import type { FeedBreaker } from './breaker-object.ts';
import { parseFeedConfig, type FeedConfig } from './config.ts';
import { FeedEvents } from './events.ts';
import type { DegradedReason, HeaderPairs } from './feed.ts';
import { Identities } from './identity.ts';
import { ConcurrencyLimit } from './limit.ts';
import { SharedBreaker, type BreakerStub } from './shared-breaker.ts';
import { FeedCache, type DegradedFeed } from './tiers.ts';
import { HotKeyWriter } from './writer.ts';

export interface FeedBindings {
  FEED_CACHE: KVNamespace;
  BREAKER: DurableObjectNamespace<FeedBreaker>;
  BREAKER_AGGREGATOR: DurableObjectNamespace<FeedBreakerAggregator>;
  LEASES: DurableObjectNamespace<Leases>;
  EVENTS: Queue;
}

/** A degraded answer serialised once, with its headers. */
export interface Serialised {
  feed: DegradedFeed;
  reason: DegradedReason;
  ageSeconds: number;
  text: string;
  headers: HeaderPairs;
  /** The headers with each `extra` set they were answered with (a small fixed set: see serveFeed). */
  merged: Map<HeaderPairs, Headers>;
}

export interface FeedState {
  config: FeedConfig;
  cache: FeedCache;
  /** This isolate's copy of the upstream's breaker. */
  breaker: SharedBreaker;
  /**
   * Where this isolate syncs its copy: the upstream's `FeedBreaker`, or with `BREAKER_AGGREGATORS`
   * the aggregator this isolate picked (breaker-aggregator.ts). A stub is bound to the request that
   * made it, so one is made per use.
   */
  stub: () => BreakerStub;
  /** The last degraded answer per tab. */
  answers: Map<string, Serialised>;
  /** When each tab's KV tier was last written (or a write was started). */
  lastWrite: Map<string, number>;
  /** The per-tab write lease: one isolate per tab per write interval writes KV. */
  writer: HotKeyWriter;
  /** The `Leases` object of one KV key (per upstream, as the breaker is: one per deployment). */
  lease: (key: string) => LeaseStub;
  /** The CORS headers for each allowed origin, built once (serveFeed keys its answers on them). */
  grants: Map<string, HeaderPairs>;
  /** Token verification: the issuer's key set and the tokens already checked. */
  identities: Identities;
  /** Counts of answers and outcomes, on their way to the worker's queue. */
  events: FeedEvents;
  /** Calls to the recommender in flight, and how many may be. */
  limit: ConcurrencyLimit;
}

/** Throws the config's `ConfigError` (500 `config_invalid`) until the vars are fixed. */
export const feedState = perIsolate((env: FeedEnv): FeedState => {
  const config = parseFeedConfig(env);
  const bindings: FeedBindings = env;
  return {
    config,
    cache: new FeedCache(bindings.FEED_CACHE, config.cacheMaxAgeMs),
    breaker: new SharedBreaker(config, Date.now()),
    stub: breakerStub(bindings, config),
    answers: new Map(),
    lastWrite: new Map(),
    writer: new HotKeyWriter(crypto.randomUUID(), config.cacheWriteEveryMs, Math.random, config.cacheWriteFirstSpreadMs),
    lease: (key) => bindings.LEASES.get(bindings.LEASES.idFromName(`${config.upstreamKey} ${key}`)),
    grants: new Map(),
    identities: new Identities(config.auth),
    limit: new ConcurrencyLimit(config.limit),
    events: new FeedEvents(bindings.EVENTS, config.upstreamKey, config.breaker.slowCallDurationMs, config.eventsFlushMs),
  };
});

/** The global object, or one of `aggregators` aggregators picked at random for this isolate's life. */
function breakerStub(bindings: FeedBindings, config: FeedConfig): () => BreakerStub {
  if (config.aggregators === 0) return () => bindings.BREAKER.get(bindings.BREAKER.idFromName(config.upstreamKey));
  const name = `${config.upstreamKey} aggregator ${Math.floor(Math.random() * config.aggregators)}`;
  return () => bindings.BREAKER_AGGREGATOR.get(bindings.BREAKER_AGGREGATOR.idFromName(name));
}
