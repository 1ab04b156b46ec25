/**
 * One render of one cache key, stored: shared by crawler misses, STALE refreshes, the recache API
 * and the cron warm-up. Concurrent calls for the same key in one isolate share one render.
 */
import type { BoundedMap } from '../../../shared/bounded-map.ts';
import type { EdgeEvents } from './events.ts';
import { log } from '../../../shared/log.ts';
import { buildIdOf } from './build-check.ts';
import { sha256Hex, type CacheKey } from './cache-key.ts';
import type { EdgeConfig } from './config.ts';
import { RenderError, type Renderer } from './renderer.ts';
import { cleanSnapshot, freshness, judgeRender, stampSnapshot, type SnapshotEntry } from './snapshot.ts';
import type { RenderBudget, SingleFlight } from './budget.ts';
import type { SnapshotStore } from './store.ts';

export type RenderOutcome =
  | {
      kind: 'stored';
      entry: SnapshotEntry;
      body: string | null;
      markdown: string | null;
      bodyWritten: boolean;
      renderMs: number | null;
    }
  | {
      kind: 'serve-only';
      url: string;
      status: number;
      headers: Record<string, string>;
      renderedAt: string;
      body: string;
      markdown: string | null;
    }
  | { kind: 'failed'; reason: string };

export interface RefreshDeps {
  config: Pick<EdgeConfig, 'site' | 'freshSeconds' | 'errorFreshSeconds' | 'staleSeconds'>;
  store: SnapshotStore;
  renderer: Renderer;
  /** null: no budget check and no cool-down (an operator's single-URL recache). */
  budget: RenderBudget | null;
  budgetKey: string;
  /** The isolate's renders under way, by index key. */
  flights: SingleFlight<RenderOutcome>;
  /** Index keys whose last render failed or gave a page that is served but not cached. */
  cooldowns: BoundedMap<true>;
  /** Renders and their browser time are counted under `budgetKey` (absent: not counted). */
  events?: EdgeEvents;
  /** Keeps the counting's background send alive (the request's or the cron's `waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** What the identity of the request that started the render rested on (for the log). */
  evidence?: string | null;
  /** Whether this isolate may render the key now (the page's global lease); absent: it may. */
  mayRender?: (key: CacheKey) => Promise<boolean>;
}

/**
 * After a render that failed or answered a status that is served but not cached (a 5xx, a 403),
 * crawlers do not render that key again for a while in this isolate: a renderer that is down or a
 * page that errors is not rendered again on every crawler request (they get FALLBACK at once).
 * An operator's recache ignores it.
 */
export const FAILURE_COOLDOWN_MS = 30_000;
export const MAX_COOLDOWNS = 10_000;

/** Starts (or joins) the render of `key`; `leader` is false when another request already started it. */
export function refresh(
  key: CacheKey,
  previous: SnapshotEntry | null,
  deps: RefreshDeps,
): { promise: Promise<RenderOutcome>; leader: boolean } {
  return deps.flights.run(key.index, () => renderAndStore(key, previous, deps));
}

/** Whether an outcome holds the key back from crawler renders for `FAILURE_COOLDOWN_MS`. */
export function coolsDown(outcome: RenderOutcome): boolean {
  if (outcome.kind === 'serve-only') return true;
  return outcome.kind === 'failed' && outcome.reason !== 'budget' && outcome.reason !== 'leased';
}

async function renderAndStore(key: CacheKey, previous: SnapshotEntry | null, deps: RefreshDeps): Promise<RenderOutcome> {
  if (deps.budget && deps.cooldowns.has(key.index)) return { kind: 'failed', reason: 'cooldown' };
  const outcome = await renderAndStoreOnce(key, previous, deps);
  if (coolsDown(outcome)) deps.cooldowns.set(key.index, true);
  else deps.cooldowns.delete(key.index);
  return outcome;
}

async function renderAndStoreOnce(key: CacheKey, previous: SnapshotEntry | null, deps: RefreshDeps): Promise<RenderOutcome> {
  // Another isolate holds the page's lease and renders it: no budget taken here.
  if (deps.mayRender && !(await deps.mayRender(key))) return { kind: 'failed', reason: 'leased' };
  if (deps.budget && !(await deps.budget.take(deps.budgetKey))) {
    log('warn', 'prerender.budget_exhausted', { url: key.url, device: key.device, budget: deps.budgetKey });
    return { kind: 'failed', reason: 'budget' };
  }
  let page;
  try {
    page = await deps.renderer.render(key.url, key.device);
    deps.events?.countRender(deps.budgetKey, page.totalMs, deps.waitUntil);
  } catch (error) {
    const reason = error instanceof RenderError ? error.reason : 'renderer-unreachable';
    log('error', 'prerender.render_failed', { url: key.url, device: key.device, reason, message: String(error) });
    return { kind: 'failed', reason };
  }
  const verdict = judgeRender(page, key.url, deps.config.site);
  if (verdict.kind === 'reject') {
    log('warn', 'prerender.render_rejected', { url: key.url, device: key.device, status: page.status, reason: verdict.reason });
    return { kind: 'failed', reason: verdict.reason };
  }
  const redirect = verdict.status >= 300 && verdict.status < 400;
  const content = redirect ? null : await cleanSnapshot(page.html);
  if (verdict.kind === 'serve-only') {
    log('warn', 'prerender.render_not_cached', { url: key.url, device: key.device, status: verdict.status });
    return {
      kind: 'serve-only',
      url: key.url,
      status: verdict.status,
      headers: verdict.headers,
      renderedAt: page.renderedAt,
      body: stampSnapshot(content ?? '', page.renderedAt),
      markdown: redirect ? null : page.markdown,
    };
  }
  const { entry, body, bodyWritten } = await deps.store.save(
    key,
    previous,
    {
      status: verdict.status,
      headers: verdict.headers,
      renderedAt: page.renderedAt,
      ...freshness(verdict.status, Date.now(), deps.config),
      dependencies: redirect ? null : page.dependencies,
      build: await buildIdOf(page.html),
      contentHash: content === null ? null : await sha256Hex(page.markdown ?? content),
    },
    content,
    redirect ? null : page.markdown,
  );
  log('info', 'prerender.rendered', {
    url: key.url,
    device: key.device,
    for: deps.budgetKey,
    evidence: deps.evidence ?? null,
    status: entry.status,
    bodyWritten,
    markdown: entry.markdown?.bytes ?? null,
    dependencies: entry.dependencies?.requests.length ?? null,
    renderMs: page.totalMs,
  });
  return { kind: 'stored', entry, body, markdown: entry.markdown ? page.markdown : null, bodyWritten, renderMs: page.totalMs };
}
