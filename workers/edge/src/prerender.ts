/**
 * A page from the snapshot cache, as HTML (crawlers) or Markdown (anyone asking for it): from the
 * cache (HIT), rendered on a miss (MISS), served stale while re-rendered in the background (STALE),
 * or the last snapshot / the SPA shell when a render is not possible in time (FALLBACK). Never an
 * error page. People asking for Markdown get the same answers without `X-Prerender`.
 */
import { log } from '../../../shared/log.ts';
import { cacheKey, deviceClass, plainCacheKey, type CacheKey } from './cache-key.ts';
import type { EdgeConfig } from './config.ts';
import type { EdgeEvents } from './events.ts';
import type { Identity } from './identity/identify.ts';
import { markdownResponse } from './markdown.ts';
import { refresh, type RefreshDeps, type RenderOutcome } from './refresh.ts';
import type { LeaseVerdict } from './render-lease.ts';
import type { VisitHints } from './refresh-visits.ts';
import type { Format } from './route.ts';
import { ageOf, botResponse, REDIRECT_STATUSES, withPrerenderState, type PrerenderState, type SnapshotEntry } from './snapshot.ts';
import type { SnapshotStore } from './store.ts';

export interface PrerenderDeps extends Omit<RefreshDeps, 'budgetKey' | 'waitUntil'> {
  config: EdgeConfig;
  store: SnapshotStore;
  assets: Fetcher;
  events: EdgeEvents;
  waitUntil: (promise: Promise<unknown>) => void;
  now?: () => number;
  /** The page's global render lease by index key (render-lease.ts); null: off. */
  renderLease?: ((indexKey: string) => Promise<LeaseVerdict>) | null;
  /** Visits to snapshots of a changed template, hinted to the refresh pass. */
  visits?: VisitHints;
}

/** One request's view: who asks, in which format, whether it may start a render. */
interface Ask {
  request: Request;
  key: CacheKey;
  identity: Identity;
  format: Format;
  contentSignal: string;
  deps: PrerenderDeps;
}

/** `pageUrl`: the page the request stands for, normalised (`sitePage` in cache-key.ts). */
export async function servePage(
  request: Request,
  pageUrl: string,
  identity: Identity,
  route: { format: Format; mayRender: boolean },
  deps: PrerenderDeps,
): Promise<Response> {
  const device = deviceClass(request.headers.get('User-Agent'));
  const key = plainCacheKey(pageUrl, device) ?? (await cacheKey(pageUrl, device));
  const now = (deps.now ?? Date.now)();
  const ask: Ask = {
    request,
    key,
    identity,
    format: route.format,
    contentSignal: deps.config.policy[identity.category ?? 'other'].contentSignal,
    deps,
  };
  // A hot snapshot is answered from isolate memory with no await in between: the same entry and
  // bodies `lookup`, `store.body` and `store.markdown` would give, under the same freshness rules.
  const hot = deps.store.fromMemory(key);
  const entry = hot
    ? hot.entry
    : await deps.store.lookup(key).catch((error: unknown) => {
        log('error', 'prerender.index_read_failed', { key: key.index, message: String(error) });
        return null;
      });
  if (entry) {
    const age = ageOf(entry, now);
    if (age === 'fresh' || age === 'stale' || !route.mayRender) {
      const state = age === 'fresh' ? 'HIT' : 'STALE';
      let served: Response | null;
      if (ask.format === 'markdown' && !answersMarkdown(entry)) {
        // A snapshot from before Markdown (or from a backend without it): rendered again for it
        // when this request may render, else its HTML rather than nothing.
        served = route.mayRender ? null : await serveEntry(ask, state, entry, 'html');
      } else if (hot && ask.format === 'html' && hot.body && entry.r2Key !== null) {
        served = answer(ask, state, botResponse(state, entry, hot.body, request.method, ask.contentSignal), 'html');
      } else if (hot && ask.format === 'markdown' && typeof hot.markdown === 'string') {
        served = answer(
          ask,
          state,
          markdownResponse(stateFor(ask, state), entry, hot.markdown, request.method, ask.contentSignal),
          'markdown',
        );
      } else {
        served = await serveEntry(ask, state, entry, ask.format);
      }
      if (served) {
        deps.visits?.seen(key, entry, deps.waitUntil, now);
        if (age !== 'fresh' && route.mayRender) deps.waitUntil(refresh(key, entry, refreshDepsOf(ask)).promise);
        return served;
      }
    }
  }
  if (!route.mayRender) return fallback(ask, entry);
  return renderNow(ask, entry);
}

/** Whether an entry can answer a Markdown request: it has Markdown, or it is a redirect (no body either way). */
function answersMarkdown(entry: SnapshotEntry): boolean {
  return Boolean(entry.markdown) || REDIRECT_STATUSES.has(entry.status);
}

/** `X-Prerender` is for crawlers and agents; a person's answer never carries it. */
function stateFor(ask: Ask, state: PrerenderState): PrerenderState | null {
  return ask.identity.bot ? state : null;
}

function answer(ask: Ask, state: PrerenderState, response: Response, format: Format): Response {
  ask.deps.events.countAnswer(ask.identity, state, format === 'markdown', ask.deps.waitUntil);
  return response;
}

/** What a render started for this request needs: the budget of its category, the page's lease. */
function refreshDepsOf(ask: Ask): RefreshDeps {
  const lease = ask.deps.renderLease;
  return {
    ...ask.deps,
    budgetKey: ask.identity.category ?? 'other',
    evidence: ask.identity.evidence,
    ...(lease && { mayRender: (key: CacheKey) => leaseAllows(lease, key) }),
  };
}

/**
 * The holder of the page's lease renders; an isolate refused it answers FALLBACK. A lease object
 * that gave no answer in time renders as if there were no lease (the single flight and the budget
 * still bound it): a miss never waits on it longer, and never fails because of it.
 */
async function leaseAllows(lease: (indexKey: string) => Promise<LeaseVerdict>, key: CacheKey): Promise<boolean> {
  const verdict = await lease(key.index);
  if (verdict === 'unreachable') log('warn', 'prerender.lease_unreachable', { url: key.url, device: key.device });
  return verdict !== 'refused';
}

async function renderNow(ask: Ask, previous: SnapshotEntry | null): Promise<Response> {
  const { deps, key, request } = ask;
  const { promise } = refresh(key, previous, refreshDepsOf(ask));
  // The render finishes and is stored even when this client stops waiting for it.
  deps.waitUntil(promise);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<RenderOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'failed', reason: 'wait-timeout' }), deps.config.renderWaitMs);
  });
  const outcome = await Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  switch (outcome.kind) {
    case 'stored':
    case 'serve-only': {
      const entry = outcome.kind === 'stored' ? outcome.entry : outcome;
      if (ask.format === 'markdown' && (outcome.markdown !== null || REDIRECT_STATUSES.has(entry.status))) {
        const response = markdownResponse(stateFor(ask, 'MISS'), entry, outcome.markdown ?? '', request.method, ask.contentSignal);
        return answer(ask, 'MISS', response, 'markdown');
      }
      return answer(ask, 'MISS', botResponse('MISS', entry, outcome.body, request.method, ask.contentSignal), 'html');
    }
    case 'failed':
      log('warn', 'prerender.fallback', {
        url: key.url,
        device: key.device,
        reason: outcome.reason,
        category: ask.identity.category,
        evidence: ask.identity.evidence,
      });
      return fallback(ask, previous);
  }
}

async function serveEntry(ask: Ask, state: PrerenderState, entry: SnapshotEntry, format: Format): Promise<Response | null> {
  const { deps, key, request } = ask;
  if (format === 'markdown') {
    const redirect = REDIRECT_STATUSES.has(entry.status);
    const markdown = redirect || request.method === 'HEAD' ? '' : await deps.store.markdown(key, entry).catch(() => null);
    // Markdown that is gone from R2 is a miss, as a lost HTML body is.
    if (markdown === null) return null;
    return answer(ask, state, markdownResponse(stateFor(ask, state), entry, markdown, request.method, ask.contentSignal), 'markdown');
  }
  let body: string | null = null;
  if (entry.r2Key !== null && request.method !== 'HEAD') {
    body = await deps.store.body(key, entry).catch(() => null);
    // An index entry whose body is gone (purged by hand, lifecycle rule) is a miss.
    if (body === null) return null;
  }
  const response = botResponse(state, entry, body, request.method, ask.contentSignal);
  // A person who asked for Markdown and gets the HTML snapshot instead is still a person.
  if (!ask.identity.bot) response.headers.delete('X-Prerender');
  return answer(ask, state, response, 'html');
}

/**
 * The last snapshot if one exists, else the SPA shell. The shell is asked for as a page navigation
 * (`Accept: text/html`): crawlers often send `Accept: *\/*`, which assets rightly answers 404 for a
 * path it has no file for, and a crawler must never get an error page for a page that exists.
 */
async function fallback(ask: Ask, previous: SnapshotEntry | null): Promise<Response> {
  if (previous) {
    const served =
      (ask.format === 'markdown' && answersMarkdown(previous) ? await serveEntry(ask, 'FALLBACK', previous, 'markdown') : null) ??
      (await serveEntry(ask, 'FALLBACK', previous, 'html'));
    if (served) return served;
  }
  const shellRequest = new Request(ask.request);
  shellRequest.headers.set('Accept', 'text/html');
  const shell = await ask.deps.assets.fetch(shellRequest);
  return answer(ask, 'FALLBACK', ask.identity.bot ? withPrerenderState(shell, 'FALLBACK') : shell, 'html');
}
