/**
 * The cron warm-up: walks the site's sitemap.xml (from assets) a slice per run and renders what the
 * cache lacks or holds past its freshness, within the render budget (key `warmup`).
 *
 * A site of 300,000 pages cannot be checked in one invocation (KV operations and subrequests per
 * invocation are limited, and every check is a KV read), so each run checks at most
 * `WARMUP_MAX_CHECKS` index entries from a cursor kept in KV, renders at most `WARMUP_MAX_RENDERS`
 * of them `WARMUP_CONCURRENCY` at a time, and saves where it stopped; the next run goes on from there
 * and wraps around at the end. For a sitemap index, the cursor names the child sitemap too.
 */
import { log } from '../../../shared/log.ts';
import type { Device } from '../../../shared/render/protocol.ts';
import { siteUrl } from '../../../shared/render/site.ts';
import { cacheKey, pageUrl, type PageRules } from './cache-key.ts';
import { ageOf } from './snapshot.ts';
import { parseSitemap } from './sitemap.ts';
import { refresh, type RefreshDeps } from './refresh.ts';
import { hintKey } from './refresh-pass.ts';
import type { AdminDeps } from './admin.ts';

export const CURSOR_KEY = 'warmup:cursor';
/** The newest `<lastmod>` already acted on, per sitemap URL. */
export const LASTMOD_KEY = 'warmup:lastmod';
/** Pages a run looks at for a moved `<lastmod>` (more wait for the next run). */
export const MAX_LASTMOD_FRONT = 50;

interface Cursor {
  /** Which child of a sitemap index (0 for a plain urlset). */
  sitemap: number;
  /** Position in that sitemap's list of (url, device) pairs. */
  offset: number;
}

export interface WarmupReport {
  urls: number;
  checked: number;
  fresh: number;
  rendered: number;
  failed: number;
  stoppedBy: 'end-of-sitemap' | 'max-checks' | 'max-renders' | 'budget' | 'no-sitemap';
  next: Cursor;
  /** Pages moved to the front of the refresh pass because their `<lastmod>` moved past their snapshot. */
  fronted: number;
}

export async function warmUp(
  assets: Fetcher,
  index: KVNamespace,
  deps: Omit<AdminDeps, 'waitUntil'> & Partial<Pick<AdminDeps, 'waitUntil'>>,
  now = Date.now(),
): Promise<WarmupReport> {
  const { config } = deps;
  const cursor = (await index.get<Cursor>(CURSOR_KEY, 'json')) ?? { sitemap: 0, offset: 0 };
  const slice = await sitemapSlice(assets, config, cursor.sitemap);
  if (!slice)
    return finish(index, {
      urls: 0,
      checked: 0,
      fresh: 0,
      rendered: 0,
      failed: 0,
      stoppedBy: 'no-sitemap',
      next: { sitemap: 0, offset: 0 },
      fronted: 0,
    });

  const modifiedAt = slice.lastmod;
  const pairs: Array<[string, Device]> = slice.urls.flatMap((url) => config.warmupDevices.map((d): [string, Device] => [url, d]));
  const report: WarmupReport = {
    urls: slice.urls.length,
    checked: 0,
    fresh: 0,
    rendered: 0,
    failed: 0,
    stoppedBy: 'end-of-sitemap',
    next: cursor,
    fronted: 0,
  };
  const refreshDeps: RefreshDeps = { ...deps, budgetKey: 'warmup' };
  let offset = Math.min(cursor.offset, pairs.length);
  let resumeAt = pairs.length; // the first pair left undone because the run stopped
  let started = 0;
  let stopped = false;

  // Checks the next pair; false once the run must stop (limits reached, budget spent).
  async function step(): Promise<boolean> {
    if (stopped || offset >= pairs.length) return false;
    if (report.checked >= config.warmupMaxChecks) return stop('max-checks', offset);
    const at = offset++;
    const [url, device] = pairs[at]!;
    report.checked++;
    const key = await cacheKey(url, device);
    const entry = await deps.store.lookup(key);
    // A sitemap `<lastmod>` after the snapshot's render says the page changed: it goes before its age.
    const modified = modifiedAt.get(url);
    const changed = entry !== null && modified !== undefined && modified > Date.parse(entry.renderedAt);
    if (entry && !changed && ageOf(entry, now) === 'fresh') {
      report.fresh++;
      return true;
    }
    // Checked and counted without an await in between, so concurrent steps cannot overshoot.
    if (stopped || started >= config.warmupMaxRenders) return stop('max-renders', at);
    started++;
    const outcome = await refresh(key, entry, refreshDeps).promise;
    if (outcome.kind === 'failed' && outcome.reason === 'budget') return stop('budget', at);
    if (outcome.kind === 'failed') report.failed++;
    else report.rendered++;
    return true;
  }
  function stop(reason: WarmupReport['stoppedBy'], at: number): false {
    if (!stopped) report.stoppedBy = reason;
    stopped = true;
    resumeAt = Math.min(resumeAt, at);
    return false;
  }
  await Promise.all(
    Array.from({ length: config.warmupConcurrency }, async () => {
      while (await step());
    }),
  );

  // After the walk: a page it rendered just now is not moved to the front again.
  report.fronted = await lastmodToFront(assets, index, deps, slice);
  const next = Math.min(offset, resumeAt);
  report.next =
    next >= pairs.length
      ? { sitemap: slice.sitemaps > cursor.sitemap + 1 ? cursor.sitemap + 1 : 0, offset: 0 }
      : { sitemap: cursor.sitemap, offset: next };
  return finish(index, report);
}

async function finish(index: KVNamespace, report: WarmupReport): Promise<WarmupReport> {
  await index.put(CURSOR_KEY, JSON.stringify(report.next));
  log('info', 'prerender.warmup', { ...report });
  return report;
}

/**
 * The pages of one sitemap: /sitemap.xml itself, or its `which`-th child when it is a sitemap
 * index, as normalised page URLs. Any of the site's origins counts (as the canonical one); other
 * origins are logged and skipped.
 */
async function sitemapSlice(assets: Fetcher, rules: PageRules, which: number): Promise<Slice | null> {
  const rootUrl = `${rules.site.canonical}/sitemap.xml`;
  const root = await fetchSitemap(assets, rootUrl);
  if (!root) return null;
  if (root.kind !== 'index') return { ...pagesOf(root.locs, root.lastmod, rules), sitemap: rootUrl, sitemaps: 1, children: [] };
  const children = root.locs
    .map((loc) => ({ url: siteUrl(loc, rules.site)?.href ?? null, lastmod: root.lastmod.get(loc) }))
    .filter((c): c is { url: string; lastmod: number | undefined } => c.url !== null);
  const child = children[which] ?? children[0];
  if (!child) return null;
  const sitemap = await fetchSitemap(assets, child.url);
  const empty = { urls: [], lastmod: new Map<string, number>() };
  const pages = sitemap?.kind === 'urlset' ? pagesOf(sitemap.locs, sitemap.lastmod, rules) : empty;
  return { ...pages, sitemap: child.url, sitemaps: children.length, children };
}

/**
 * Sitemap `<lastmod>` as a hint: the pages of the slice's sitemap (and of one more child of a
 * sitemap index whose own `<lastmod>` moved) modified after the newest `<lastmod>` acted on before
 * go to the front of the refresh pass, oldest change first, when their snapshot was rendered before
 * that change. The first look at a sitemap only notes its newest `<lastmod>`: the cursor's walk
 * and the pass's age rules cover what changed before it.
 */
async function lastmodToFront(
  assets: Fetcher,
  index: KVNamespace,
  deps: Pick<AdminDeps, 'config' | 'store'>,
  slice: Slice,
): Promise<number> {
  const marks = (await index.get<Record<string, number>>(LASTMOD_KEY, 'json')) ?? {};
  let fronted = 0;
  let looked = 0;
  let changed = false;
  async function scan(sitemap: string, lastmod: Map<string, number>): Promise<void> {
    const mark = marks[sitemap];
    if (mark === undefined) {
      let newest = 0;
      for (const when of lastmod.values()) newest = Math.max(newest, when);
      [marks[sitemap], changed] = [newest, true];
      return;
    }
    const modified = [...lastmod].filter(([, when]) => when > mark).sort((a, b) => a[1] - b[1]);
    let seen = mark;
    for (const [url, when] of modified) {
      // Pages with the same <lastmod> go together, so the mark never splits them.
      if (looked >= MAX_LASTMOD_FRONT && when !== seen) break;
      looked++;
      let hinted = false;
      for (const device of deps.config.warmupDevices) {
        const key = await cacheKey(url, device);
        const entry = await deps.store.lookup(key);
        if (entry && Date.parse(entry.renderedAt) >= when) continue;
        await index.put(hintKey(key), JSON.stringify({ url, device }), { expirationTtl: 7 * 86_400 });
        hinted = true;
      }
      if (hinted) fronted++;
      seen = when;
    }
    if (seen !== mark) [marks[sitemap], changed] = [seen, true];
  }
  await scan(slice.sitemap, slice.lastmod);
  const moved = slice.children.find((c) => c.url !== slice.sitemap && c.lastmod !== undefined && c.lastmod > (marks[c.url] ?? -1));
  if (moved) {
    const sitemap = await fetchSitemap(assets, moved.url);
    if (sitemap?.kind === 'urlset') await scan(moved.url, pagesOf(sitemap.locs, sitemap.lastmod, deps.config).lastmod);
  }
  if (changed) await index.put(LASTMOD_KEY, JSON.stringify(marks));
  return fronted;
}

interface Slice {
  urls: string[];
  lastmod: Map<string, number>;
  /** The sitemap the slice is of (the root, or its child at the cursor). */
  sitemap: string;
  sitemaps: number;
  /** A sitemap index's children, with their `<lastmod>` where given. */
  children: Array<{ url: string; lastmod: number | undefined }>;
}

/** The normalised page URLs of a sitemap's `<loc>`s (the site's origins only), with their `<lastmod>`. */
function pagesOf(locs: string[], lastmod: Map<string, number>, rules: PageRules) {
  const pages = new Set<string>();
  const modified = new Map<string, number>();
  for (const loc of locs) {
    const url = URL.parse(loc);
    const page = url && pageUrl(url, rules);
    if (!page) {
      log('warn', 'prerender.warmup_foreign_url', { loc });
      continue;
    }
    pages.add(page);
    const when = lastmod.get(loc);
    if (when !== undefined) modified.set(page, Math.max(when, modified.get(page) ?? 0));
  }
  return { urls: [...pages], lastmod: modified };
}

async function fetchSitemap(assets: Fetcher, url: string) {
  const response = await assets.fetch(url, { headers: { Accept: 'application/xml, text/xml' } });
  if (!response.ok) {
    log('warn', 'prerender.sitemap_unavailable', { url, status: response.status });
    return null;
  }
  return parseSitemap(await response.text());
}
