/**
 * The operator API's reads (shared/operator/prerender.ts): counts over time from the edge's own
 * rollups (D1, shared/events), and the snapshot inventory from the KV index (its keys' metadata).
 */
import { badRequest } from '../../../shared/http/errors.ts';
import { keys, series, totals } from '../../../shared/events/query.ts';
import { defaultBucket, rangeWindow, type StatsQuery } from '../../../shared/operator/common.ts';
import type { PrerenderStats, SnapshotItem, SnapshotList, SnapshotsQuery } from '../../../shared/operator/prerender.ts';
import { DEVICES } from '../../../shared/render/protocol.ts';
import { INDEX_PREFIX, prefixUrl } from './cache-key.ts';
import type { EdgeConfig } from './config.ts';
import { STREAM } from './events.ts';
import { REFRESH_KEY } from './refresh-pass.ts';
import { ageOf } from './snapshot.ts';
import type { IndexMetadata, SnapshotStore } from './store.ts';

const ANSWERS = ['hit', 'miss', 'stale', 'fallback', 'bypass'] as const;
const EVIDENCE = ['signature', 'cloudflare', 'ip', 'user-agent'] as const;
const DIMS = [...ANSWERS, 'render', 'browser_ms'];
const REFRESH_DIMS = ['checked', 'revalidated', 'rerendered', 'unchanged', 'failed'] as const;
/** Categories reported in one answer (the edge counts a handful). */
const MAX_KEYS = 100;

export async function prerenderStats(
  db: D1Database,
  query: StatsQuery,
  config: Pick<EdgeConfig, 'renderLimitPerMinute' | 'renderLimitPerCategoryPerMinute'>,
  now = Date.now(),
): Promise<PrerenderStats> {
  const bucket = query.bucket ?? defaultBucket(query.range);
  const { from, to } = rangeWindow(query.range, now);
  const [all, points, seen, passes] = await Promise.all([
    totals(db, { stream: STREAM, dims: DIMS }),
    series(db, { stream: STREAM, bucket, from, to, dims: DIMS }),
    keys(db, { stream: STREAM, from, limit: MAX_KEYS }),
    totals(db, { stream: STREAM, key: REFRESH_KEY, dims: [...REFRESH_DIMS], from }),
  ]);
  const perKeyDims = [...DIMS, 'markdown', 'refused', ...EVIDENCE.map((e) => `evidence:${e}`)];
  const categories = await Promise.all(
    seen.map(async ({ key }) => {
      const t = await totals(db, { stream: STREAM, key, dims: perKeyDims, from });
      return {
        category: key,
        visits: ANSWERS.reduce((sum, dim) => sum + (t[dim] ?? 0), 0),
        renders: t.render ?? 0,
        markdown: t.markdown ?? 0,
        refused: t.refused ?? 0,
        evidence: Object.fromEntries(EVIDENCE.map((e) => [e, t[`evidence:${e}`] ?? 0])) as Record<(typeof EVIDENCE)[number], number>,
      };
    }),
  );
  categories.sort((a, b) => b.visits - a.visits || b.renders - a.renders || a.category.localeCompare(b.category));
  const series_ = points.map((p) => ({
    t: p.t,
    hits: Number(p.hit),
    misses: Number(p.miss),
    stale: Number(p.stale),
    fallbacks: Number(p.fallback),
    renders: Number(p.render),
    browserSeconds: Number(p.browser_ms) / 1000,
  }));
  return {
    renders: all.render ?? 0,
    hits: all.hit ?? 0,
    misses: all.miss ?? 0,
    stale: all.stale ?? 0,
    fallbacks: all.fallback ?? 0,
    bypasses: all.bypass ?? 0,
    browserSeconds: (all.browser_ms ?? 0) / 1000,
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    series: series_,
    categories,
    budget: {
      perMinute: config.renderLimitPerMinute,
      perCategoryPerMinute: config.renderLimitPerCategoryPerMinute,
      rendersInRange: series_.reduce((sum, p) => sum + p.renders, 0),
    },
    refresh: Object.fromEntries(REFRESH_DIMS.map((dim) => [dim, passes[dim] ?? 0])) as Record<(typeof REFRESH_DIMS)[number], number>,
  };
}

interface InventoryCursor {
  /** Index into the devices listed. */
  d: number;
  /** KV's cursor within that device's keys. */
  c: string | null;
}

function encodeCursor(cursor: InventoryCursor): string {
  return btoa(JSON.stringify(cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(value: string): InventoryCursor {
  try {
    const parsed = JSON.parse(atob(value.replace(/-/g, '+').replace(/_/g, '/'))) as InventoryCursor;
    if (Number.isInteger(parsed.d) && parsed.d >= 0 && (parsed.c === null || typeof parsed.c === 'string')) return parsed;
  } catch {}
  throw badRequest('invalid_cursor', 'cursor is not one this API gave out', { field: 'cursor' });
}

/** The URL prefix the inventory lists under: an absolute URL of the site, a path, or the whole site. */
function inventoryPrefix(value: string | undefined, config: Pick<EdgeConfig, 'site'>): string {
  if (value === undefined || value === '') return config.site.canonical;
  const url = value.startsWith('/') && !value.startsWith('//') ? URL.parse(value, config.site.canonical) : URL.parse(value);
  const prefix = url && prefixUrl(url, config.site);
  if (!prefix) {
    throw badRequest('invalid_url', `prefix must be a path or an absolute URL of this site (${[...config.site.all].join(', ')})`, {
      field: 'prefix',
    });
  }
  return prefix;
}

export async function snapshotInventory(
  store: SnapshotStore,
  query: SnapshotsQuery,
  config: Pick<EdgeConfig, 'site'>,
  now = Date.now(),
): Promise<SnapshotList> {
  const prefix = inventoryPrefix(query.prefix, config);
  const devices = query.device ? [query.device] : DEVICES;
  let cursor = query.cursor ? decodeCursor(query.cursor) : { d: 0, c: null };
  const items: SnapshotItem[] = [];
  while (items.length < query.limit && cursor.d < devices.length) {
    const device = devices[cursor.d]!;
    const page = await store.listPage(prefix, device, cursor.c ?? undefined, query.limit - items.length);
    for (const listed of page.items) {
      const url = listed.name.slice(`${INDEX_PREFIX}${device}:`.length);
      const metadata = listed.metadata ?? (await metadataFromEntry(store, listed.name));
      if (metadata) items.push(itemOf(url, device, metadata, now));
    }
    cursor = page.cursor === null ? { d: cursor.d + 1, c: null } : { d: cursor.d, c: page.cursor };
  }
  return { items, cursor: cursor.d < devices.length ? encodeCursor(cursor) : null };
}

async function metadataFromEntry(store: SnapshotStore, name: string): Promise<IndexMetadata | null> {
  const entry = await store.entryByName(name);
  if (!entry) return null;
  return { ...entry, bytes: null, markdownBytes: entry.markdown?.bytes ?? null };
}

function itemOf(url: string, device: (typeof DEVICES)[number], metadata: IndexMetadata, now: number): SnapshotItem {
  return {
    url,
    device,
    status: metadata.status,
    renderedAt: metadata.renderedAt,
    ageSeconds: Math.max(0, Math.round((now - Date.parse(metadata.renderedAt)) / 1000)),
    bytes: metadata.bytes,
    freshness: ageOf(metadata, now),
  };
}
