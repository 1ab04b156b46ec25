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
import type { AdminDeps } from './admin.ts';

export const CURSOR_KEY = 'warmup:cursor';

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
async function sitemapSlice(
  assets: Fetcher,
  rules: PageRules,
  which: number,
): Promise<{ urls: string[]; sitemaps: number; lastmod: Map<string, number> } | null> {
  const root = await fetchSitemap(assets, `${rules.site.canonical}/sitemap.xml`);
  if (!root) return null;
  let locs = root.locs;
  let lastmod = root.lastmod;
  let sitemaps = 1;
  if (root.kind === 'index') {
    const children = root.locs.map((loc) => siteUrl(loc, rules.site)).filter((u): u is URL => u !== null);
    sitemaps = children.length;
    const child = children[which] ?? children[0];
    if (!child) return null;
    const sitemap = await fetchSitemap(assets, child.href);
    if (!sitemap || sitemap.kind !== 'urlset') return { urls: [], sitemaps, lastmod: new Map() };
    locs = sitemap.locs;
    lastmod = sitemap.lastmod;
  }
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
  return { urls: [...pages], sitemaps, lastmod: modified };
}

async function fetchSitemap(assets: Fetcher, url: string) {
  const response = await assets.fetch(url, { headers: { Accept: 'application/xml, text/xml' } });
  if (!response.ok) {
    log('warn', 'prerender.sitemap_unavailable', { url, status: response.status });
    return null;
  }
  return parseSitemap(await response.text());
}
