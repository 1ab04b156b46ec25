/**
 * A crawler's page navigation: snapshot from the cache (HIT), rendered on a miss (MISS), served
 * stale while re-rendered in the background (STALE), or the last snapshot / the SPA shell when a
 * render is not possible in time (FALLBACK). Never an error page.
 */
import { log } from '../../../shared/log.ts';
import type { BotClassification } from '../../../shared/bots/classify.ts';
import { cacheKey, deviceClass, plainCacheKey, type CacheKey } from './cache-key.ts';
import type { EdgeConfig } from './config.ts';
import { refresh, type RefreshDeps, type RenderOutcome } from './refresh.ts';
import { ageOf, botResponse, withPrerenderState, type PrerenderState, type SnapshotEntry } from './snapshot.ts';
import type { SnapshotStore } from './store.ts';

export interface PrerenderDeps extends Omit<RefreshDeps, 'budgetKey'> {
  config: EdgeConfig;
  store: SnapshotStore;
  assets: Fetcher;
  waitUntil: (promise: Promise<unknown>) => void;
  now?: () => number;
}

/** `pageUrl`: the page the request stands for, normalised (`sitePage` in cache-key.ts). */
export async function serveBot(
  request: Request,
  pageUrl: string,
  userAgent: string | null,
  bot: BotClassification,
  mayRender: boolean,
  deps: PrerenderDeps,
): Promise<Response> {
  const device = deviceClass(userAgent);
  const key = plainCacheKey(pageUrl, device) ?? (await cacheKey(pageUrl, device));
  const now = (deps.now ?? Date.now)();
  // A hot snapshot is answered from isolate memory with no await in between: the same entry and
  // body `lookup` and `store.body` would give, under the same freshness rules.
  const hot = deps.store.fromMemory(key);
  const entry = hot
    ? hot.entry
    : await deps.store.lookup(key).catch((error: unknown) => {
        log('error', 'prerender.index_read_failed', { key: key.index, message: String(error) });
        return null;
      });
  if (entry) {
    const age = ageOf(entry, now);
    if (age === 'fresh' || age === 'stale' || !mayRender) {
      const state = age === 'fresh' ? 'HIT' : 'STALE';
      const served =
        hot?.body && entry.r2Key !== null
          ? botResponse(state, entry, hot.body, request.method)
          : await serveEntry(state, key, entry, request, deps);
      if (served) {
        if (age !== 'fresh' && mayRender) deps.waitUntil(refresh(key, entry, refreshDepsOf(deps, bot)).promise);
        return served;
      }
    }
  }
  if (!mayRender) return fallback(request, key, entry, deps);
  return renderNow(request, key, entry, refreshDepsOf(deps, bot), deps);
}

/** What a render started for this crawler needs: the budget of its category. */
function refreshDepsOf(deps: PrerenderDeps, bot: BotClassification): RefreshDeps {
  return { ...deps, budgetKey: bot.category ?? 'other' };
}

async function renderNow(
  request: Request,
  key: CacheKey,
  previous: SnapshotEntry | null,
  refreshDeps: RefreshDeps,
  deps: PrerenderDeps,
): Promise<Response> {
  const { promise } = refresh(key, previous, refreshDeps);
  // The render finishes and is stored even when this crawler stops waiting for it.
  deps.waitUntil(promise);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<RenderOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'failed', reason: 'wait-timeout' }), deps.config.renderWaitMs);
  });
  const outcome = await Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  switch (outcome.kind) {
    case 'stored':
      return botResponse('MISS', outcome.entry, outcome.body, request.method);
    case 'serve-only':
      return botResponse('MISS', outcome, outcome.body, request.method);
    case 'failed':
      log('warn', 'prerender.fallback', { url: key.url, device: key.device, reason: outcome.reason });
      return fallback(request, key, previous, deps);
  }
}

async function serveEntry(
  state: PrerenderState,
  key: CacheKey,
  entry: SnapshotEntry,
  request: Request,
  deps: PrerenderDeps,
): Promise<Response | null> {
  if (entry.r2Key === null) return botResponse(state, entry, null, request.method);
  if (request.method === 'HEAD') return botResponse(state, entry, null, request.method);
  const body = await deps.store.body(key, entry).catch(() => null);
  // An index entry whose body is gone (purged by hand, lifecycle rule) is a miss.
  return body ? botResponse(state, entry, body, request.method) : null;
}

/**
 * The last snapshot if one exists, else the SPA shell. The shell is asked for as a page navigation
 * (`Accept: text/html`): crawlers often send `Accept: *\/*`, which assets rightly answers 404 for a
 * path it has no file for, and a crawler must never get an error page for a page that exists.
 */
async function fallback(request: Request, key: CacheKey, previous: SnapshotEntry | null, deps: PrerenderDeps): Promise<Response> {
  if (previous) {
    const served = await serveEntry('FALLBACK', key, previous, request, deps);
    if (served) return served;
  }
  const shellRequest = new Request(request);
  shellRequest.headers.set('Accept', 'text/html');
  return withPrerenderState(await deps.assets.fetch(shellRequest), 'FALLBACK');
}
