import { SELF, createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { PrerenderStats, SnapshotList } from '../../shared/operator/prerender.ts';
import { OperatorApi } from '../../workers/edge/src/index.ts';
import { edgeState } from '../../workers/edge/src/deps.ts';
import { ORIGIN, UA, callEdge, get, renderCount, uniquePath } from './helpers.ts';
import { DIRECTORY_PATH, newAgent, serveDirectory, signedHeaders } from './signing.ts';
import { mockNetwork } from '../support/network.ts';

const AUTH = { Authorization: 'Bearer test-admin-token', 'User-Agent': UA.curl };

async function stats(query = ''): Promise<PrerenderStats> {
  const response = await SELF.fetch(`${ORIGIN}/__prerender/stats${query}`, { headers: AUTH });
  expect(response.status).toBe(200);
  return (await response.json()) as PrerenderStats;
}

const categoryOf = (s: PrerenderStats, name: string) => s.categories.find((c) => c.category === name);

describe('counting: crawler answers reach the stats through the real queue and D1', () => {
  it("a crawler's MISS then HIT, with the evidence they rested on", async () => {
    const before = await stats();
    const path = uniquePath('counted');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
    const after = await vi.waitUntil(
      async () => {
        const now = await stats();
        return now.hits > before.hits && now.misses > before.misses && now.renders > before.renders ? now : false;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(1);
    expect(after.browserSeconds).toBeGreaterThan(before.browserSeconds);
    const search = categoryOf(after, 'search')!;
    expect(search.visits).toBeGreaterThanOrEqual(2);
    expect(search.evidence['user-agent']).toBeGreaterThanOrEqual(2);
    expect(after.budget).toMatchObject({ perMinute: 200, perCategoryPerMinute: 100 });
    expect(after.series.reduce((sum, p) => sum + p.hits, 0)).toBeGreaterThanOrEqual(1);
  });

  it('a signed agent counts as evidence:signature, a refused crawler as refused, Markdown as markdown', async () => {
    const network = mockNetwork();
    try {
      const origin = 'http://127.0.0.1:9300';
      const agent = await newAgent(origin);
      serveDirectory(network, origin, [agent]);
      const url = `${ORIGIN}${uniquePath('signed-count')}`;
      const signed = await SELF.fetch(url, {
        headers: { ...(await signedHeaders(url, agent)), 'User-Agent': UA.chrome, Accept: 'text/markdown' },
      });
      expect(signed.headers.get('X-Prerender')).toBe('MISS');
      expect(network.requests.some((r) => r.url === `${origin}${DIRECTORY_PATH}`)).toBe(true);
    } finally {
      network.restore();
    }
    expect((await get('/', 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)')).status).toBe(403);
    const after = await vi.waitUntil(
      async () => {
        const now = await stats();
        return categoryOf(now, 'ai-assistant')?.evidence.signature && categoryOf(now, 'ai-training')?.refused ? now : false;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(categoryOf(after, 'ai-assistant')).toMatchObject({ markdown: expect.any(Number), renders: expect.any(Number) });
    expect(categoryOf(after, 'ai-assistant')!.markdown).toBeGreaterThanOrEqual(1);
  });

  it('loses counts, never a request, when the queue fails', async () => {
    const failing = { ...env, EVENTS: { sendBatch: () => Promise.reject(new Error('queue unavailable')) } } as unknown as EdgeEnv;
    const path = uniquePath('lost');
    const { response, settled } = await callEdge(path, UA.googlebot, {}, failing);
    await settled();
    expect([response.status, response.headers.get('X-Prerender')]).toEqual([200, 'MISS']);
    expect(edgeState(failing).events.buffer.stats.lost).toBeGreaterThan(0);
  });
});

describe('counting: the refresh pass reaches the stats (key "refresh")', () => {
  it("a pass's outcomes are totalled as `refresh`", async () => {
    const path = uniquePath('refresh-counted');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    const before = await stats();
    const pass = await SELF.fetch(`${ORIGIN}/__prerender/refresh`, { method: 'POST', headers: AUTH });
    expect(pass.status).toBe(200);
    const report = (await pass.json()) as { checked: number; unchanged: number };
    expect(report.checked).toBeGreaterThanOrEqual(1);
    const after = await vi.waitUntil(
      async () => {
        const now = await stats();
        return (now.refresh?.checked ?? 0) >= (before.refresh?.checked ?? 0) + report.checked ? now : false;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(after.refresh!.unchanged - (before.refresh?.unchanged ?? 0)).toBeGreaterThanOrEqual(report.unchanged);
  });
});

describe('GET /__prerender/stats', () => {
  it('answers the contract fields, and 400 for a bad range', async () => {
    const body = await stats('?range=7d&bucket=day');
    expect(body).toMatchObject({ bucket: 'day', renders: expect.any(Number), hits: expect.any(Number), misses: expect.any(Number) });
    expect(body).toHaveProperty('stale');
    expect(body).toHaveProperty('fallbacks');
    // Day buckets over a week ending at the next full hour: 7, or 8 when the week starts mid-day.
    expect(body.series.length).toBeGreaterThanOrEqual(7);
    expect(body.series.length).toBeLessThanOrEqual(8);
    const bad = await SELF.fetch(`${ORIGIN}/__prerender/stats?range=1y`, { headers: AUTH });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_query', field: 'range' } });
  });

  it('needs the admin token', async () => {
    expect((await SELF.fetch(`${ORIGIN}/__prerender/stats`)).status).toBe(401);
  });
});

describe('GET /__prerender/snapshots', () => {
  it('lists snapshots under a prefix, page by page, with status, age, size and freshness', async () => {
    const base = uniquePath('inventory');
    for (const leaf of ['a', 'b', 'c']) await get(`${base}/${leaf}`, UA.googlebot);
    await get(`${base}/a`, UA.googlebotMobile);
    const seen: SnapshotList['items'] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?prefix=${encodeURIComponent(`${base}/`)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await SELF.fetch(`${ORIGIN}/__prerender/snapshots${query}`, { headers: AUTH });
      expect(response.status).toBe(200);
      const page = (await response.json()) as SnapshotList;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(seen.map((i) => `${i.device} ${i.url}`).sort()).toEqual(
      [`mobile ${ORIGIN}${base}/a`, ...['a', 'b', 'c'].map((l) => `desktop ${ORIGIN}${base}/${l}`)].sort(),
    );
    expect(seen[0]).toMatchObject({ status: 200, freshness: 'fresh', bytes: expect.any(Number), ageSeconds: expect.any(Number) });

    const mobileOnly = await SELF.fetch(`${ORIGIN}/__prerender/snapshots?prefix=${encodeURIComponent(`${ORIGIN}${base}/`)}&device=mobile`, {
      headers: AUTH,
    });
    expect(((await mobileOnly.json()) as SnapshotList).items.map((i) => i.url)).toEqual([`${ORIGIN}${base}/a`]);
  });

  it.each([
    ['a cursor it never gave', '?cursor=bogus', 'cursor'],
    ['a prefix of another site', '?prefix=https://evil.example/', 'prefix'],
    ['a limit past 1000', '?limit=5000', 'limit'],
  ])('answers %s with 400 naming the field', async (_label, query, field) => {
    const response = await SELF.fetch(`${ORIGIN}/__prerender/snapshots${query}`, { headers: AUTH });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { field } });
  });
});

describe('POST /__prerender/warm', () => {
  // A sitemap and an index of its own: warmup.test.ts walks the shared ones from a known cursor.
  const base = uniquePath('warm-now');
  const sitemap = `<urlset><url><loc>${ORIGIN}${base}/a</loc></url><url><loc>${ORIGIN}${base}/b</loc></url></urlset>`;
  const own = {
    ...env,
    PRERENDER_INDEX: env.WARM_INDEX,
    ASSETS_SERVICE: { fetch: async () => new Response(sitemap, { headers: { 'Content-Type': 'application/xml' } }) },
  } as unknown as EdgeEnv;

  it('warms a slice of the sitemap now and answers its counts', async () => {
    const post = () => new OperatorApi(createExecutionContext(), own).fetch(new Request(`${ORIGIN}/__prerender/warm`, { method: 'POST' }));
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      urls: 2,
      checked: 4,
      fresh: 0,
      rendered: 4,
      failed: 0,
      stoppedBy: 'end-of-sitemap',
      next: { sitemap: 0, offset: 0 },
      fronted: 0,
    });
    expect(await renderCount(`${base}/a`, 'mobile')).toBe(1);
    expect(await (await post()).json()).toMatchObject({ checked: 4, fresh: 4, rendered: 0 });
  });

  it('is POST only, behind the admin token', async () => {
    expect((await SELF.fetch(`${ORIGIN}/__prerender/warm`, { method: 'POST' })).status).toBe(401);
    expect((await SELF.fetch(`${ORIGIN}/__prerender/warm`, { headers: AUTH })).status).toBe(405);
  });
});

describe('GET /__prerender/openapi.json', () => {
  it('describes the operator API in OpenAPI 3.1, from the zod schemas', async () => {
    const response = await SELF.fetch(`${ORIGIN}/__prerender/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/__prerender/purge',
        '/__prerender/recache',
        '/__prerender/refresh',
        '/__prerender/snapshots',
        '/__prerender/stats',
        '/__prerender/warm',
      ].sort(),
    );
    const statsSchema = JSON.stringify(doc.paths['/__prerender/stats']!.get!.responses['200']);
    for (const field of ['renders', 'hits', 'misses', 'stale', 'fallbacks', 'browserSeconds']) expect(statsSchema).toContain(`"${field}"`);
  });
});

describe('the OperatorApi entrypoint (the console)', () => {
  const api = () => new OperatorApi(createExecutionContext(), env);

  it('serves the operator routes without a token: the service binding is the authentication', async () => {
    const response = await api().fetch(new Request(`${ORIGIN}/__prerender/stats`, { headers: { 'X-Operator': 'ada@example.com' } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('hits');
    const purge = await api().fetch(
      new Request(`${ORIGIN}/__prerender/purge`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Operator': 'ada@example.com' },
        body: JSON.stringify({ url: `${ORIGIN}/nothing-here` }),
      }),
    );
    expect(await purge.json()).toEqual({ url: `${ORIGIN}/nothing-here`, purged: 0 });
  });

  it('serves nothing but the operator routes', async () => {
    expect((await api().fetch(new Request(`${ORIGIN}/article/1`))).status).toBe(404);
  });

  it('keeps the public routes behind the token whatever X-Operator says', async () => {
    const response = await SELF.fetch(`${ORIGIN}/__prerender/stats`, { headers: { 'X-Operator': 'ada@example.com' } });
    expect(response.status).toBe(401);
  });
});
