/**
 * The refresh pass (the cron each minute, and `POST /__prerender/refresh`): renders what changed,
 * soon after it changed, and nothing else.
 *
 * 1. Pages moved to the front first: purged or recached by an operator or a CMS webhook, or queued
 *    by an earlier pass that ran out of render budget (`refresh:hint:` keys in the index namespace);
 *    then pages of a template the current build changed that crawlers visited since, first visited
 *    first (`refresh:visit:` keys, refresh-visits.ts): the most visited pages are re-rendered first.
 * 2. Then a slice of the whole index, from a cursor kept in KV (`REFRESH_MAX_CHECKS` entries a run,
 *    listed with their metadata, so a page that needs nothing costs no read):
 *    - a page with recorded data dependencies has them revalidated with conditional requests
 *      (`REFRESH_MAX_REVALIDATIONS` a run, a budget of its own; a dependency shared by many pages is
 *      asked once per run): unchanged, it is marked current without a render; changed, or not
 *      checkable (error, timeout, 5xx), it is re-rendered, keeping its snapshot until then;
 *    - a page without (or with an incomplete list) is refreshed by age, as the warm-up does.
 *    A page rendered with another build than the site's current one goes by its route template's
 *    sample instead (build-check.ts): sampled, marked current without a render, or re-rendered.
 *    Renders are bounded by `REFRESH_MAX_RENDERS` and the render budget (key `refresh`); a page left
 *    unrendered for lack of budget is queued to the front of the next pass.
 * The outcome is counted on the edge's event stream (key `refresh`), beside its renders.
 */
import { log } from '../../../shared/log.ts';
import { DEVICES, RENDER_REQUEST_HEADER, RENDER_REQUEST_VALUE, type Dependency, type Device } from '../../../shared/render/protocol.ts';
import { afterSample, buildIdOf, buildStep, sampleGroup, templateOf, type TemplateVerdict } from './build-check.ts';
import type { AdminDeps } from './admin.ts';
import { cacheKey, type CacheKey } from './cache-key.ts';
import { refresh, type RefreshDeps } from './refresh.ts';
import { checkDependency, pageVerdict, type DependencyCheck } from './revalidate.ts';
import { needsMarking, planEntry } from './refresh-plan.ts';
import { isOutdated, OUTDATED_KEY, VISIT_PREFIX, type Outdated, type VisitHint } from './refresh-visits.ts';
import { freshness, type SnapshotEntry } from './snapshot.ts';
import { metadataOf } from './store.ts';

export const REFRESH_CURSOR_KEY = 'refresh:cursor';
export const HINT_PREFIX = 'refresh:hint:';
export const REFRESH_KEY = 'refresh';

export interface RefreshReport {
  /** Index entries looked at (front-of-queue pages included). */
  checked: number;
  /** Pages whose recorded dependencies were all asked and answered. */
  revalidated: number;
  /** Pages rendered and stored again. */
  rerendered: number;
  /** Pages left as they were: dependencies unchanged, or still fresh by age. */
  unchanged: number;
  /** Renders that failed or found no budget (the snapshot is kept; the page is queued). */
  failed: number;
}

export type PassDeps = Omit<AdminDeps, 'waitUntil'> &
  Partial<Pick<AdminDeps, 'waitUntil'>> & {
    index: KVNamespace;
    fetcher?: typeof fetch;
    /** The SPA's assets: its shell names the current build (absent: builds are not checked). */
    assets?: Fetcher;
  };

export const BUILD_VERDICTS_PREFIX = 'refresh:build:';

/** The hint that moves a page to the front of the next pass. */
export function hintKey(key: CacheKey): string {
  return `${HINT_PREFIX}${key.index}`;
}

export async function queueToFront(index: KVNamespace, url: string, devices: readonly Device[] = DEVICES): Promise<void> {
  for (const device of devices) {
    const key = await cacheKey(url, device);
    await index.put(hintKey(key), JSON.stringify({ url, device }), { expirationTtl: 7 * 86_400 });
  }
}

export async function runRefreshPass(deps: PassDeps, now = Date.now()): Promise<RefreshReport> {
  const { config, index } = deps;
  const report: RefreshReport = { checked: 0, revalidated: 0, rerendered: 0, unchanged: 0, failed: 0 };
  const refreshDeps: RefreshDeps = { ...deps, budgetKey: REFRESH_KEY };
  const answers = new Map<string, Promise<DependencyCheck>>();
  let renders = 0;
  let revalidations = 0;
  let budgetSpent = false;

  // `queue`: a page left unrendered for lack of renders goes to the front of the next pass. Pages
  // re-rendered for a build are not queued: the next round of the index meets them again anyway,
  // and queueing a whole template would hold the walk (and its data checks) back behind it.
  const rendersSpent = () => budgetSpent || renders >= config.refreshMaxRenders;

  async function render(key: CacheKey, entry: SnapshotEntry | null, queue = true): Promise<SnapshotEntry | null> {
    if (rendersSpent()) {
      if (!queue) return null;
      report.failed++;
      await index.put(hintKey(key), JSON.stringify({ url: key.url, device: key.device }), { expirationTtl: 7 * 86_400 });
      return null;
    }
    renders++;
    const outcome = await refresh(key, entry, refreshDeps).promise;
    if (outcome.kind === 'stored') {
      report.rerendered++;
      await index.delete(hintKey(key));
      return outcome.entry;
    }
    report.failed++;
    if (outcome.kind === 'failed' && outcome.reason === 'budget') budgetSpent = true;
    // Kept at the front until a render succeeds (the snapshot, if any, is served meanwhile).
    await index.put(hintKey(key), JSON.stringify({ url: key.url, device: key.device }), { expirationTtl: 7 * 86_400 });
    return null;
  }

  function ask(dependency: Dependency): Promise<DependencyCheck> {
    // Asked once per pass for every page that recorded it with the same validators.
    const id = idOf(dependency);
    let answer = answers.get(id);
    if (!answer) {
      revalidations++;
      answer = checkDependency(dependency, config.dependencyOrigins, deps.fetcher);
      answers.set(id, answer);
    }
    return answer;
  }

  /** Whether a page's recorded data all answered unchanged (true for a page without a complete list: nothing to tell). */
  async function dataUnchanged(entry: SnapshotEntry): Promise<boolean> {
    if (!entry.dependencies?.complete) return true;
    return pageVerdict(await Promise.all(entry.dependencies.requests.map(ask))) === 'unchanged';
  }

  // 1. The front of the queue (those pages are not taken again by the walk in the same pass).
  const done = new Set<string>();
  // No more of them than the run can render: a backlog of hints must not hold back the walk, whose
  // data checks are what finds the next changes.
  const hints = await index.list({
    prefix: HINT_PREFIX,
    limit: Math.max(1, Math.min(config.refreshMaxRenders, config.refreshMaxChecks, 1000)),
  });
  for (const hint of hints.keys) {
    const value = await index.get<{ url: string; device: Device }>(hint.name, 'json');
    if (!value || !DEVICES.includes(value.device)) {
      await index.delete(hint.name);
      continue;
    }
    report.checked++;
    const key = await cacheKey(value.url, value.device);
    done.add(key.index);
    await render(key, await deps.store.lookup(key));
  }

  // The build the site serves now, and what its templates' samples said so far.
  const build = deps.assets ? await currentBuild(deps.assets, config.site.canonical) : null;
  const verdictsKey = `${BUILD_VERDICTS_PREFIX}${build}`;
  const verdicts: Record<string, TemplateVerdict> = (build && (await index.get(verdictsKey, 'json'))) || {};
  let verdictsChanged = false;

  // 1b. Pages of a changed template that crawlers visited, first visited first (refresh-visits.ts).
  if (build && !rendersSpent()) {
    const outdated = changedGroups(verdicts);
    const visits = await index.list<VisitHint>({ prefix: VISIT_PREFIX, limit: Math.min(config.refreshMaxRenders - renders, 1000) });
    for (const hint of visits.keys) {
      if (rendersSpent()) break;
      const value = hint.metadata;
      const key = value && DEVICES.includes(value.device) ? await cacheKey(value.url, value.device) : null;
      const entry = key && !done.has(key.index) ? await deps.store.entryByName(key.index) : null;
      // Gone, already rendered for this build (by an earlier hint or the walk), or not outdated.
      if (!key || !entry || entry.build === build || !isOutdated(outdated, entry)) {
        await index.delete(hint.name);
        continue;
      }
      report.checked++;
      done.add(key.index);
      if (await render(key, entry, false)) await index.delete(hint.name);
    }
  }

  // 2. A slice of the index.
  const cursor = (await index.get(REFRESH_CURSOR_KEY)) ?? undefined;
  const room = config.refreshMaxChecks - report.checked;
  let next: string | null = cursor ?? null;
  if (room > 0) {
    const page = await deps.store.listAll(cursor, Math.min(room, 1000));
    next = page.cursor;
    for (const item of page.items) {
      if (done.has(item.name)) continue;
      report.checked++;
      let entry: SnapshotEntry | null = null;
      let summary = item.metadata;
      if (!summary) {
        // Written before metadata was kept: its summary needs a read.
        entry = await deps.store.entryByName(item.name);
        if (!entry) continue;
        summary = metadataOf(entry, null);
      }
      if (build && summary.build && summary.build !== build) {
        // Rendered with another build: the sample of its template and build decides (build-check.ts).
        // A page the sample found unchanged is current as it is (nothing written); it, and a page
        // left for lack of renders, still has its data checked below.
        const url = urlOfIndexName(item.name) ?? (entry ??= await deps.store.entryByName(item.name))?.url;
        if (!url) continue;
        const group = sampleGroup(templateOf(url), summary.build);
        const step = buildStep(verdicts[group]);
        if (step !== 'mark-current' && !rendersSpent()) {
          entry ??= await deps.store.entryByName(item.name);
          if (!entry) continue;
          // A sample speaks for its template only when its own data did not change since its render
          // (else its new content would pass for the build's): it is rendered either way.
          const sample = step === 'sample' && (await dataUnchanged(entry));
          const rendered = await render(await cacheKey(entry.url, entry.device), entry, step === 'sample');
          if (sample && rendered) {
            verdicts[group] = afterSample(verdicts[group], entry.contentHash ?? null, rendered.contentHash ?? null);
            verdictsChanged = true;
          }
          continue;
        }
      }
      const plan = planEntry(summary, now);
      if (plan === 'current') {
        report.unchanged++;
        continue;
      }
      // A short list rides in the listing's metadata: checking it needs no read of the entry.
      const listed = plan === 'revalidate' ? summary.d : undefined;
      const plainKey = listed && keyOfIndexName(item.name);
      if (!plainKey) entry ??= await deps.store.entryByName(item.name);
      const key = plainKey ? await plainKey : entry && (await cacheKey(entry.url, entry.device));
      if (!key) continue;
      if (plan === 'render' || !(listed ?? entry?.dependencies?.complete)) {
        entry ??= await deps.store.entryByName(item.name);
        if (entry) await render(key, entry);
        continue;
      }
      const requests = listed ?? entry?.dependencies?.requests ?? [];
      const asking = requests.filter((d) => !answers.has(idOf(d))).length;
      if (revalidations + asking > config.refreshMaxRevalidations) {
        // The dependency budget is spent: the rest of this slice is checked on the next round of
        // the index (KV lists resume only from a page's cursor, not from a key inside it).
        report.checked--;
        log('warn', 'prerender.refresh_dependency_budget', { skippedFrom: item.name });
        break;
      }
      const verdict = pageVerdict(await Promise.all(requests.map(ask)));
      if (verdict === 'unchanged') {
        report.revalidated++;
        report.unchanged++;
        if (needsMarking(summary, now, config.freshSeconds)) {
          entry ??= await deps.store.entryByName(item.name);
          if (entry) await deps.store.markCurrent(key, entry, freshness(entry.status, now, config), item.metadata?.bytes ?? null);
        }
        continue;
      }
      if (verdict === 'changed') report.revalidated++;
      entry ??= await deps.store.entryByName(item.name);
      if (entry) await render(key, entry);
    }
  }
  await saveCursor(index, next);
  if (verdictsChanged) {
    await index.put(verdictsKey, JSON.stringify(verdicts), { expirationTtl: 30 * 86_400 });
    // What the front door reads to hint visits to outdated pages.
    const outdated: Outdated = { groups: [...changedGroups(verdicts)] };
    await index.put(OUTDATED_KEY, JSON.stringify(outdated));
  }

  for (const [dim, n] of Object.entries(report)) if (n > 0) deps.events?.count(REFRESH_KEY, dim, n, deps.waitUntil ?? noWait);
  log('info', 'prerender.refresh_pass', { ...report, revalidations });
  return report;
}

/** The sample groups whose verdict is "changed": their pages are re-rendered. */
function changedGroups(verdicts: Record<string, TemplateVerdict>): Set<string> {
  return new Set(Object.keys(verdicts).filter((group) => buildStep(verdicts[group]) === 'render'));
}

/** The cache key an index key names, when it is a plain one (a hashed key needs its entry read). */
function keyOfIndexName(name: string): Promise<CacheKey> | null {
  const device = /^snap:(mobile|desktop):/.exec(name)?.[1] as Device | undefined;
  const url = urlOfIndexName(name);
  return device && url ? cacheKey(url, device) : null;
}

/** The page URL an index key names, when it is a plain one (a hashed key needs its entry read). */
function urlOfIndexName(name: string): string | null {
  const match = /^snap:(?:mobile|desktop):(.+)$/.exec(name);
  return match && !match[1]!.startsWith('#') ? match[1]! : null;
}

/** The build id of the SPA shell the site serves now; null when it cannot be read. */
async function currentBuild(assets: Fetcher, canonical: string): Promise<string | null> {
  try {
    const shell = await assets.fetch(`${canonical}/`, { headers: { Accept: 'text/html', [RENDER_REQUEST_HEADER]: RENDER_REQUEST_VALUE } });
    return shell.ok ? await buildIdOf(await shell.text()) : null;
  } catch {
    return null;
  }
}

function idOf(dependency: Dependency): string {
  return `${dependency.url} ${dependency.etag ?? ''} ${dependency.lastModified ?? ''} ${dependency.hash ?? ''}`;
}

async function saveCursor(index: KVNamespace, cursor: string | null): Promise<void> {
  if (cursor === null) await index.delete(REFRESH_CURSOR_KEY);
  else await index.put(REFRESH_CURSOR_KEY, cursor);
}

function noWait(promise: Promise<unknown>): void {
  void promise;
}
