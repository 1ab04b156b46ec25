/**
 * `GET /api/feed/:tab`: live from the recommender when the breaker admits the call, degraded
 * (tier by tier, tiers.ts) at once when it does not, or as soon as the call fails.
 */
import { log } from '../../../shared/log.ts';
import type { Asker } from './identity.ts';
import { callRecommender, type CallResult, type FeedItem } from './recommender.ts';
import type { Background } from './shared-breaker.ts';
import type { FeedState, Serialised } from './state.ts';
import { FeedCache, bakedFeed, degradedFeed, type DegradedFeed, type DegradedSource } from './tiers.ts';

export type DegradedReason =
  'breaker-open' | 'forced-open' | 'concurrency-limit' | 'upstream-timeout' | 'upstream-error' | 'upstream-status' | 'upstream-bad-body';

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

/** Everything one request needs: the isolate's state and somewhere to run background work. */
export interface FeedContext extends FeedState {
  ctx: Background;
}

/** Response headers as name/value pairs (what `new Response` copies from). */
export type HeaderPairs = readonly (readonly [string, string])[];

const NO_HEADERS: HeaderPairs = [];

export function feedContext(state: FeedState, ctx: Background): FeedContext {
  return { ...state, ctx };
}

/**
 * Answers the feed; `extra` headers (the CORS grant) are added to the answer. `extra` must come
 * from a small fixed set of arrays (one per allowed origin, one for none): degraded answers keep
 * their headers per `extra` array. Not async: a degraded answer from memory is built without a
 * single await. `asker` names the user, and is asked only for a live call (a degraded answer is
 * the same for everyone, so no token is verified for it).
 */
export function serveFeed(fc: FeedContext, tab: string, asker: Asker, extra: HeaderPairs = NO_HEADERS): Response | Promise<Response> {
  const { breaker, ctx } = fc;
  const now = Date.now();
  breaker.maybeSync(ctx, fc.stub, now);
  const admission = breaker.admission(now);
  if (admission === 'call') return serveLive(fc, tab, asker, extra);

  // Nobody waits on a probe: this request is answered degraded now and the probe (if a slot is
  // free) runs in the background, fetching the anonymous feed, which also refreshes the cache.
  if (admission === 'probe' && !breaker.probing(now)) ctx.waitUntil(breaker.probe(fc.stub, () => refreshTab(fc, tab, true)));
  return degraded(fc, tab, breaker.state.forced === 'open' ? 'forced-open' : 'breaker-open', extra);
}

async function serveLive(fc: FeedContext, tab: string, asker: Asker, extra: HeaderPairs): Promise<Response> {
  const { breaker, ctx } = fc;
  const user = await asker(ctx);
  // Shed rather than queue: past the limit the recommender is answering slower than it is asked.
  if (!fc.limit.tryAcquire()) return degraded(fc, tab, 'concurrency-limit', extra);
  const result = await callRecommender(fc.config, tab, user);
  fc.limit.release(result.outcome);
  if (result.outcome) {
    breaker.record(result.outcome, Date.now());
    fc.events.outcome(result.outcome, ctx);
  }
  breaker.maybeSync(ctx, fc.stub, Date.now());
  if (!result.ok) return degraded(fc, tab, reasonFor(result), extra);
  fc.events.count('live', ctx);

  if (user === null) {
    // The anonymous feed is the same for everyone: it may serve as the degraded feed.
    if (takeWriteSlot(fc, tab)) ctx.waitUntil(storeFeed(fc, tab, result.items, true).catch(cacheWriteFailed));
  } else if (takeWriteSlot(fc, tab)) {
    // Never store a personalised answer; fetch the anonymous feed for the cache instead.
    ctx.waitUntil(
      (async () => {
        if (breaker.admission(Date.now()) !== 'call' || fc.limit.inFlight >= fc.limit.limit) return;
        // Another isolate holds this interval's write: no call to the recommender for it either.
        if (!(await holdsWriteLease(fc, tab, true))) return;
        await refreshTab(fc, tab, false, true);
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
 * breaker's `probe`; otherwise the outcome is recorded here. `limited`: only within the
 * concurrency limit (a background refresh; probes and the cron are few and go regardless).
 */
export async function refreshTab(fc: FeedContext, tab: string, probe: boolean, limited = false): Promise<CallResult['outcome']> {
  if (limited && !fc.limit.tryAcquire()) return undefined;
  const result = await callRecommender(fc.config, tab, null, { probe });
  if (limited) fc.limit.release(result.outcome);
  if (result.outcome) fc.events.outcome(result.outcome, fc.ctx);
  if (!probe && result.outcome) fc.breaker.record(result.outcome, Date.now());
  if (result.ok) await storeFeed(fc, tab, result.items, limited).catch(cacheWriteFailed);
  return result.outcome;
}

/** Whether this isolate holds the tab's KV write lease for this interval (taking it if free). */
function holdsWriteLease(fc: FeedContext, tab: string, live: boolean): Promise<boolean> {
  const key = FeedCache.key(tab);
  return fc.writer.mayWrite(key, () => fc.lease(key), live);
}

/**
 * Writes the tab's KV tier when this isolate holds its write lease; otherwise only its own memory.
 * `live`: after a live answer (a fresh isolate's first ask is spread); else the cron or a probe.
 */
async function storeFeed(fc: FeedContext, tab: string, items: FeedItem[], live: boolean): Promise<void> {
  await fc.cache.write(tab, items, Date.now(), await holdsWriteLease(fc, tab, live));
}

/** A failed KV write costs freshness of the degraded tier, never an answer. */
function cacheWriteFailed(error: unknown): void {
  log('warn', 'feed.cache.write_failed', { error: String(error) });
}

function degraded(fc: FeedContext, tab: string, reason: DegradedReason, extra: HeaderPairs): Response | Promise<Response> {
  const now = Date.now();
  fc.events.count('degraded', fc.ctx);
  // Only an isolate's first degraded answer per tab waits on KV; the rest come from memory.
  const known = fc.cache.remembered(tab, now, fc.ctx);
  if (known !== undefined) return degradedAnswer(fc.answers, tab, known ?? bakedFeed(tab), reason, now, extra);
  return degradedFeed(tab, fc.cache, now, fc.ctx).then((feed) => degradedAnswer(fc.answers, tab, feed, reason, now, extra));
}

/**
 * The degraded answer, from the isolate's last one for the tab when nothing changed: while the
 * breaker is open every answer for a tab is equal until the age (in seconds) moves.
 */
function degradedAnswer(
  answers: Map<string, Serialised>,
  tab: string,
  feed: DegradedFeed,
  reason: DegradedReason,
  now: number,
  extra: HeaderPairs,
): Response {
  const ageSeconds = Math.max(0, Math.floor((now - feed.storedAt) / 1000));
  let last = answers.get(tab);
  if (!last || last.feed !== feed || last.reason !== reason || last.ageSeconds !== ageSeconds) {
    const body: FeedBody = { tab, mode: 'degraded', source: feed.source, personalized: false, ageSeconds, reason, items: feed.items };
    last = { feed, reason, ageSeconds, text: JSON.stringify(body), headers: feedHeaders(body), merged: new Map() };
    answers.set(tab, last);
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

/** At most one KV write per tab per isolate every `cacheWriteEveryMs`. */
function takeWriteSlot(fc: FeedContext, tab: string): boolean {
  const now = Date.now();
  const last = fc.lastWrite.get(tab);
  if (last !== undefined && now - last < fc.config.cacheWriteEveryMs) return false;
  fc.lastWrite.set(tab, now);
  return true;
}
