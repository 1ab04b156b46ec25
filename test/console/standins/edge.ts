/** The edge's operator API, stood in: prerender counts, the snapshot inventory, recache / purge / warm. */
import type { PrerenderStats, SnapshotItem } from '../../../shared/operator/prerender.ts';
import { errorJson, json, wave, window } from './support.ts';

const SITE = 'http://localhost:8787';

export interface EdgeData {
  snapshots: SnapshotItem[];
}

export function edgeData(): EdgeData {
  const now = Date.now();
  const item = (
    path: string,
    device: 'mobile' | 'desktop',
    ageHours: number,
    status = 200,
    bytes: number | null = 18_000,
  ): SnapshotItem => ({
    url: `${SITE}${path}`,
    device,
    status,
    renderedAt: new Date(now - ageHours * 3_600_000).toISOString(),
    ageSeconds: ageHours * 3600,
    bytes,
    freshness: ageHours > 7 * 24 ? 'stale' : 'fresh',
  });
  return {
    snapshots: [
      item('/', 'desktop', 2),
      item('/', 'mobile', 2),
      item('/article/1', 'desktop', 30),
      item('/article/1', 'mobile', 30),
      item('/article/2', 'desktop', 200),
      item('/gone', 'desktop', 5, 404, 900),
    ],
  };
}

export function answerEdge(data: EdgeData, method: string, url: URL, body: string): Response | null {
  switch (`${method} ${url.pathname}`) {
    case 'GET /__prerender/stats':
      return json(stats(url));
    case 'GET /__prerender/snapshots': {
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = data.snapshots.filter((s) => s.url.startsWith(prefix));
      return json({ items, cursor: null });
    }
    case 'POST /__prerender/recache':
    case 'POST /__prerender/purge':
      return adminAction(data, url.pathname.endsWith('recache') ? 'recache' : 'purge', body);
    case 'POST /__prerender/warm':
      return json({ checked: data.snapshots.length, rendered: 2, skipped: data.snapshots.length - 2 });
    default:
      return null;
  }
}

function adminAction(data: EdgeData, action: 'recache' | 'purge', body: string): Response {
  let input: { url?: unknown; prefix?: unknown };
  try {
    input = JSON.parse(body) as typeof input;
  } catch {
    return errorJson(400, 'invalid_json', 'body is not valid JSON', 'body');
  }
  const field = typeof input.url === 'string' ? 'url' : typeof input.prefix === 'string' ? 'prefix' : null;
  if (field === null) return errorJson(400, 'invalid_body', 'give exactly one of "url" or "prefix"', 'url');
  const value = String(input[field]);
  if (!value.startsWith(SITE)) return errorJson(400, 'invalid_url', `${field} must be an absolute URL of this site (${SITE})`, field);
  const hit = (s: SnapshotItem) => (field === 'url' ? s.url === value : s.url.startsWith(value));
  if (action === 'purge') {
    const before = data.snapshots.length;
    data.snapshots = data.snapshots.filter((s) => !hit(s));
    return json({ [field]: value, purged: before - data.snapshots.length });
  }
  const now = new Date().toISOString();
  const results = data.snapshots.filter(hit).map((s) => {
    Object.assign(s, { renderedAt: now, ageSeconds: 0, freshness: 'fresh' });
    return { device: s.device, outcome: 'stored', status: s.status };
  });
  return field === 'url' ? json({ url: value, results }) : json({ prefix: value, queued: results.length }, 202);
}

function stats(url: URL): PrerenderStats {
  const { bucket, from, to, starts } = window(url);
  const series = starts.map((t, i) => ({
    t: new Date(t).toISOString(),
    hits: wave(i, 20, 30),
    misses: wave(i + 3, 1, 4),
    stale: wave(i + 1, 0, 3),
    fallbacks: i % 9 === 0 ? 1 : 0,
    renders: wave(i + 3, 1, 4),
    browserSeconds: wave(i + 3, 1, 4) * 0.8,
  }));
  const sum = (k: 'hits' | 'misses' | 'stale' | 'fallbacks' | 'renders' | 'browserSeconds') => series.reduce((n, s) => n + s[k], 0);
  const category = (name: string, visitShare: number, renderShare: number) => {
    const visits = Math.round(sum('hits') * visitShare);
    return {
      category: name,
      visits,
      renders: Math.round(sum('renders') * renderShare),
      markdown: Math.round(visits * 0.1),
      refused: 0,
      evidence: { signature: 0, cloudflare: 0, ip: 0, 'user-agent': visits },
    };
  };
  return {
    renders: sum('renders'),
    hits: sum('hits'),
    misses: sum('misses'),
    stale: sum('stale'),
    fallbacks: sum('fallbacks'),
    bypasses: 12,
    browserSeconds: sum('browserSeconds'),
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    series,
    categories: [category('search', 0.6, 0.7), category('ai', 0.3, 0.2), category('social-preview', 0.1, 0.1)],
    budget: { perMinute: 200, perCategoryPerMinute: 100, rendersInRange: sum('renders') },
  };
}
