/**
 * `GET /api/feed/:tab`: live from the recommender when the breaker admits the call, degraded
 * (tier by tier, tiers.ts) at once when it does not, or as soon as the call fails.
 */
import { log } from '../../../shared/log.ts';
import type { FeedBreaker } from './breaker-object.ts';
import type { FeedConfig } from './config.ts';
import { callRecommender, type CallResult, type FeedItem } from './recommender.ts';
import { sharedBreaker, type Background, type BreakerStub, type SharedBreaker } from './shared-breaker.ts';
import { FeedCache, bakedFeed, degradedFeed, type DegradedFeed, type DegradedSource } from './tiers.ts';

export type DegradedReason =
  'breaker-open' | 'forced-open' | 'upstream-timeout' | 'upstream-error' | 'upstream-status' | 'upstream-bad-body';

export interface FeedBody {
  tab: string;
  mode: 'live' | 'degraded';
  source: 'recommender' | DegradedSource;
  personalized: boolean;
  /** Seconds since this feed came from the recommender (0 when live). */
  ageSeconds: number;
  reason?: DegradedReason;
  items: FeedItem[];
}

export interface FeedBindings {
  FEED_CACHE: KVNamespace;
  BREAKER: DurableObjectNamespace<FeedBreaker>;
}

/** Everything one request needs, bindings passed in. */
export interface FeedContext {
  config: FeedConfig;
  cache: FeedCache;
  breaker: SharedBreaker;
  stub: () => BreakerStub;
  ctx: Background;
}

/** Response headers as name/value pairs (what `new Response` copies from). */
export type HeaderPairs = readonly (readonly [string, string])[];

const NO_HEADERS: HeaderPairs = [];

/** Per isolate and env: the parts of a context that do not depend on the request. */
const parts = new WeakMap<FeedBindings, { config: FeedConfig; cache: FeedCache; stub: () => BreakerStub }>();

export function feedContext(env: FeedBindings, config: FeedConfig, ctx: Background): FeedContext {
  let p = parts.get(env);
  if (p?.config !== config) {
    p = {
      config,
      cache: new FeedCache(env.FEED_CACHE, config.upstreamKey, config.cacheMaxAgeMs),
      // A stub is bound to the request that made it, so one is made per use, never kept.
      stub: () => env.BREAKER.get(env.BREAKER.idFromName(config.upstreamKey)),
    };
    parts.set(env, p);
  }
  return { config, cache: p.cache, breaker: sharedBreaker(config, Date.now()), stub: p.stub, ctx };
}

/**
 * Answers the feed; `extra` headers (the CORS grant) are added to the answer. `extra` must come
 * from a small fixed set of arrays (one per allowed origin, one for none): degraded answers keep
 * their headers per `extra` array. Not async: a degraded answer from memory is built without a
 * single await.
 */
export function serveFeed(
  fc: FeedContext,
  tab: string,
  user: string | null,
  extra: HeaderPairs = NO_HEADERS,
): Response | Promise<Response> {
  const { breaker, ctx } = fc;
  const now = Date.now();
  breaker.maybeSync(ctx, fc.stub, now);
  const admission = breaker.admission(now);
  if (admission === 'call') return serveLive(fc, tab, user, extra);

  // Nobody waits on a probe: this request is answered degraded now and the probe (if a slot is
  // free) runs in the background, fetching the anonymous feed, which also refreshes the cache.
  if (admission === 'probe' && !breaker.probing(now)) ctx.waitUntil(breaker.probe(fc.stub, () => refreshTab(fc, tab, true)));
  return degraded(fc, tab, breaker.state.forced === 'open' ? 'forced-open' : 'breaker-open', extra);
}

async function serveLive(fc: FeedContext, tab: string, user: string | null, extra: HeaderPairs): Promise<Response> {
  const { breaker, ctx } = fc;
  const result = await callRecommender(fc.config, tab, user);
  if (result.outcome) breaker.record(result.outcome, Date.now());
  breaker.maybeSync(ctx, fc.stub, Date.now());
  if (!result.ok) return degraded(fc, tab, reasonFor(result), extra);

  if (user === null) {
    // The anonymous feed is the same for everyone: it may serve as the degraded feed.
    if (takeWriteSlot(fc, tab)) ctx.waitUntil(fc.cache.write(tab, result.items, Date.now()).catch(cacheWriteFailed));
  } else if (takeWriteSlot(fc, tab)) {
    // Never store a personalised answer; fetch the anonymous feed for the cache instead.
    ctx.waitUntil(
      (async () => {
        if (breaker.admission(Date.now()) !== 'call') return;
        await refreshTab(fc, tab, false);
        breaker.maybeSync(ctx, fc.stub, Date.now());
      })(),
    );
  }
  const body: FeedBody = {
    tab,
    mode: 'live',
    source: 'recommender',
    personalized: result.personalized,
    ageSeconds: 0,
    items: result.items,
  };
  return new Response(JSON.stringify(body), { headers: withExtra(feedHeaders(body), extra) });
}

/**
 * Fetches the tab's anonymous feed and stores it in the KV tier; answers the call's outcome. Used
 * by probes, the cron and (throttled) after live answers. A probe's outcome is reported by the
 * breaker's `probe`; otherwise the outcome is recorded here.
 */
export async function refreshTab(fc: FeedContext, tab: string, probe: boolean): Promise<CallResult['outcome']> {
  const result = await callRecommender(fc.config, tab, null, { probe });
  if (!probe && result.outcome) fc.breaker.record(result.outcome, Date.now());
  if (result.ok) await fc.cache.write(tab, result.items, Date.now()).catch(cacheWriteFailed);
  return result.outcome;
}

/** A failed KV write costs freshness of the degraded tier, never an answer. */
function cacheWriteFailed(error: unknown): void {
  log('warn', 'feed.cache.write_failed', { error: String(error) });
}

/**
 * Per isolate: the last degraded answer per tab, serialised with its headers. While open,
 * thousands of answers a second are equal; they change once a second (the age) at most.
 */
const serialised = new Map<string, Serialised>();

interface Serialised {
  feed: DegradedFeed;
  reason: DegradedReason;
  ageSeconds: number;
  text: string;
  headers: HeaderPairs;
  /** The headers with each `extra` set they were answered with (a small fixed set: see serveFeed). */
  merged: Map<HeaderPairs, Headers>;
}

function degraded(fc: FeedContext, tab: string, reason: DegradedReason, extra: HeaderPairs): Response | Promise<Response> {
  const now = Date.now();
  // Only an isolate's first degraded answer per tab waits on KV; the rest come from memory.
  const known = fc.cache.remembered(tab, now, fc.ctx);
  if (known !== undefined) return degradedAnswer(tab, known ?? bakedFeed(tab), reason, now, extra);
  return degradedFeed(tab, fc.cache, now, fc.ctx).then((feed) => degradedAnswer(tab, feed, reason, now, extra));
}

function degradedAnswer(tab: string, feed: DegradedFeed, reason: DegradedReason, now: number, extra: HeaderPairs): Response {
  const ageSeconds = Math.max(0, Math.floor((now - feed.storedAt) / 1000));
  let last = serialised.get(tab);
  if (!last || last.feed !== feed || last.reason !== reason || last.ageSeconds !== ageSeconds) {
    const body: FeedBody = { tab, mode: 'degraded', source: feed.source, personalized: false, ageSeconds, reason, items: feed.items };
    last = { feed, reason, ageSeconds, text: JSON.stringify(body), headers: feedHeaders(body), merged: new Map() };
    serialised.set(tab, last);
  }
  let headers = last.merged.get(extra);
  if (!headers) {
    headers = new Headers(withExtra(last.headers, extra));
    last.merged.set(extra, headers);
  }
  return new Response(last.text, { headers });
}

function feedHeaders(body: Pick<FeedBody, 'mode' | 'source' | 'personalized' | 'ageSeconds'>): HeaderPairs {
  const headers: [string, string][] = [
    ['Content-Type', 'application/json'],
    ['X-Feed-Mode', body.mode],
    ['X-Feed-Source', body.source],
    // A personalised answer must not be stored by shared caches; a degraded one is not worth
    // keeping either: the live feed should show up as soon as the recommender is back.
    ['Cache-Control', body.personalized ? 'private, no-store' : 'no-store'],
  ];
  // RFC 9111 §5.1: Age is how long ago the content came from its origin.
  if (body.mode === 'degraded') headers.push(['Age', String(body.ageSeconds)]);
  return headers;
}

function withExtra(headers: HeaderPairs, extra: HeaderPairs): [string, string][] {
  return (extra.length === 0 ? headers : headers.concat(extra)) as [string, string][];
}

function reasonFor(result: Extract<CallResult, { ok: false }>): DegradedReason {
  switch (result.failure) {
    case 'timeout':
      return 'upstream-timeout';
    case 'network':
      return 'upstream-error';
    case 'status':
      return 'upstream-status';
    case 'bad-body':
      return 'upstream-bad-body';
  }
}

/** Per isolate: when each tab's cache was last written (or a write was started). */
const lastWrite = new Map<string, number>();

function takeWriteSlot(fc: FeedContext, tab: string): boolean {
  const key = `${fc.config.upstreamKey} ${tab}`;
  const now = Date.now();
  const last = lastWrite.get(key);
  if (last !== undefined && now - last < fc.config.cacheWriteEveryMs) return false;
  lastWrite.set(key, now);
  return true;
}

/** For tests: forget the write throttle and serialised bodies (a fresh isolate). */
export function forgetFeedMemory(): void {
  lastWrite.clear();
  serialised.clear();
}
