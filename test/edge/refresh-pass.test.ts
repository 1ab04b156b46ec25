import { SELF, env } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { depsOf } from '../../workers/edge/src/deps.ts';
import { BUILD_SAMPLE } from '../../workers/edge/src/build-check.ts';
import { HINT_PREFIX, runRefreshPass } from '../../workers/edge/src/refresh-pass.ts';
import { OUTDATED_KEY, VISIT_PREFIX, type VisitHint } from '../../workers/edge/src/refresh-visits.ts';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';
import type { IndexMetadata } from '../../workers/edge/src/store.ts';
import { mockNetwork, type MockNetwork } from '../support/network.ts';
import { ORIGIN, UA, callEdge, renderCount, setBuild, setMode, setVersion, uniquePath } from './helpers.ts';
import { DEPENDENCY_ORIGIN } from './pages.ts';

// The pass walks a whole index: these tests give the edge an index of its own (REFRESH_INDEX),
// emptied before each test, so the pass sees exactly the pages a test rendered.
const refreshEnv = { ...env, PRERENDER_INDEX: env.REFRESH_INDEX } as EdgeEnv;
// Each pass in a fresh isolate, as cron runs often are (a failed render cools its key down per isolate).
// `vars` override the edge's configuration for that pass (e.g. a lower REFRESH_MAX_RENDERS).
const pass = (now?: number, vars: Record<string, string> = {}) =>
  runRefreshPass({ ...depsOf({ ...refreshEnv, ...vars }), index: refreshEnv.PRERENDER_INDEX, assets: refreshEnv.ASSETS_SERVICE }, now);
const entryOf = (path: string) => env.REFRESH_INDEX.get<SnapshotEntry>(`snap:desktop:${ORIGIN}${path}`, 'json');

/** A crawler's first request for `path`: a miss, rendered and stored (desktop). */
async function crawl(path: string): Promise<Response> {
  const { response, settled } = await callEdge(path, UA.googlebot, {}, refreshEnv);
  await settled();
  return response;
}

async function snapshotText(path: string): Promise<string> {
  const { response } = await callEdge(path, UA.googlebot, {}, refreshEnv);
  return response.text();
}

/** The demo content API as the network mock answers it: the current ETag of each page's content. */
function contentApi(network: MockNetwork, current: Map<string, string>, answer?: (path: string) => Response | null) {
  network.on(
    'GET',
    (url) => url.origin === DEPENDENCY_ORIGIN && url.pathname.startsWith('/_content/'),
    (request) => {
      const path = new URL(request.url).pathname.slice('/_content'.length);
      const special = answer?.(path);
      if (special) return special;
      const etag = current.get(path) ?? '"v1"';
      if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag } });
      return Response.json({ path }, { headers: { ETag: etag } });
    },
  );
}

let network: MockNetwork | null = null;

beforeEach(async () => {
  for (const key of (await env.REFRESH_INDEX.list()).keys) await env.REFRESH_INDEX.delete(key.name);
});

afterEach(() => {
  network?.restore();
  network = null;
});

describe('data dependencies recorded with the snapshot', () => {
  it("stores the render's dependencies in the index entry, and their count in its metadata", async () => {
    const path = uniquePath('deps-record');
    await setMode(path, 'deps');
    expect((await crawl(path)).status).toBe(200);
    const entry = await entryOf(path);
    expect(entry?.dependencies).toEqual({ requests: [{ url: `${DEPENDENCY_ORIGIN}/_content${path}`, etag: '"v1"' }], complete: true });
    const listed = await env.REFRESH_INDEX.list<IndexMetadata>({ prefix: `snap:desktop:${ORIGIN}${path}` });
    expect(listed.keys[0]?.metadata?.deps).toBe(1);
    // A list this short is in the metadata itself.
    expect(listed.keys[0]?.metadata?.d).toEqual(entry?.dependencies?.requests);
  });

  it('revalidates a page whose list is in the metadata without reading its entry; reads it to mark it fresh again', async () => {
    const path = uniquePath('listed');
    await setMode(path, 'deps');
    await crawl(path);
    network = mockNetwork();
    contentApi(network, new Map());
    const run = async (now?: number) => {
      const deps = depsOf({ ...refreshEnv });
      const report = await runRefreshPass({ ...deps, index: refreshEnv.PRERENDER_INDEX, assets: refreshEnv.ASSETS_SERVICE }, now);
      return { report, reads: deps.store.stats.kvReads, writes: deps.store.stats.kvWrites };
    };
    expect(await run()).toEqual({ report: { checked: 1, revalidated: 1, rerendered: 0, unchanged: 1, failed: 0 }, reads: 0, writes: 0 });
    // Four days on, less than half its freshness is left: one read and one write keep it fresh.
    expect(await run(Date.now() + 4 * 86_400_000)).toMatchObject({ report: { revalidated: 1, rerendered: 0 }, reads: 1, writes: 1 });
    expect(network.requests).toHaveLength(2);
    expect(await renderCount(path)).toBe(1);
  });
});

describe('the refresh pass', () => {
  it('re-renders only the page whose data changed; the others are revalidated without a render', async () => {
    const [same, edited, plain] = [uniquePath('same'), uniquePath('edited'), uniquePath('plain')];
    await setMode(same, 'deps');
    await setMode(edited, 'deps');
    for (const path of [same, edited, plain]) await crawl(path);

    // The content behind `edited` changes: its API answers a new ETag, and a render now shows v2.
    const current = new Map([[edited, '"v2"']]);
    await setVersion(edited, 2);
    network = mockNetwork();
    contentApi(network, current);

    expect(await pass()).toEqual({ checked: 3, revalidated: 2, rerendered: 1, unchanged: 2, failed: 0 });
    expect(await renderCount(same)).toBe(1);
    expect(await renderCount(edited)).toBe(2);
    expect(await renderCount(plain)).toBe(1); // no dependencies, still fresh: left by age
    expect(await snapshotText(edited)).toContain(`Rendered ${edited} for desktop v2`);
    expect(await snapshotText(same)).toContain(`Rendered ${same} for desktop v1`);
    // Conditional requests with the recorded validators.
    expect(network.requests.map((r) => [new URL(r.url).pathname, r.headers.get('If-None-Match')]).sort()).toEqual(
      [
        [`/_content${edited}`, '"v1"'],
        [`/_content${same}`, '"v1"'],
      ].sort(),
    );
    expect((await entryOf(edited))?.dependencies?.requests[0]?.etag).toBe('"v2"');

    // Nothing changed since: the next pass renders nothing.
    expect(await pass()).toEqual({ checked: 3, revalidated: 2, rerendered: 0, unchanged: 3, failed: 0 });
    expect(await renderCount(edited)).toBe(2);
  });

  it('keeps the snapshot of a page whose dependency could not be checked, and renders it within the budget', async () => {
    const [down, slow] = [uniquePath('dep-500'), uniquePath('dep-error')];
    await setMode(down, 'deps');
    await setMode(slow, 'deps');
    await crawl(down);
    await crawl(slow);
    network = mockNetwork();
    contentApi(network, new Map(), (path) => {
      if (path === down) return new Response('oops', { status: 503 });
      throw new Error('connection reset');
    });
    // The renderer is down too: the renders fail, the snapshots stay, and the pages are queued.
    await setMode(down, 'down');
    await setMode(slow, 'down');
    expect(await pass()).toEqual({ checked: 2, revalidated: 0, rerendered: 0, unchanged: 0, failed: 2 });
    const kept = await callEdge(down, UA.googlebot, {}, refreshEnv);
    expect(kept.response.headers.get('X-Prerender')).toBe('HIT');
    expect(await kept.response.text()).toContain(`Rendered ${down} for desktop v1`);
    const queued = (await env.REFRESH_INDEX.list({ prefix: HINT_PREFIX })).keys.map((k) => k.name).sort();
    expect(queued).toEqual([`${HINT_PREFIX}snap:desktop:${ORIGIN}${down}`, `${HINT_PREFIX}snap:desktop:${ORIGIN}${slow}`].sort());

    // The renderer is back: the queued pages go first, and are rendered once each.
    await setMode(down, 'deps');
    await setMode(slow, 'deps');
    const report = await pass();
    // From the front of the queue, once each: the walk does not render them again in the same pass.
    expect(report).toMatchObject({ rerendered: 2, failed: 0 });
    expect(await renderCount(down)).toBe(3);
    expect((await env.REFRESH_INDEX.list({ prefix: HINT_PREFIX })).keys).toEqual([]);
  });

  it('refreshes a page without dependencies by age', async () => {
    const path = uniquePath('aged');
    await crawl(path);
    expect(await pass()).toEqual({ checked: 1, revalidated: 0, rerendered: 0, unchanged: 1, failed: 0 });
    // Eight days on, past FRESH_SECONDS (7 days): rendered again.
    expect(await pass(Date.now() + 8 * 86_400_000)).toEqual({ checked: 1, revalidated: 0, rerendered: 1, unchanged: 0, failed: 0 });
    expect(await renderCount(path)).toBe(2);
  });

  it('renders a purged page first on the next pass', async () => {
    const path = uniquePath('purged');
    await crawl(path);
    const response = await SELF.fetch(`${ORIGIN}/__prerender/purge`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${ORIGIN}${path}`, device: 'desktop' }),
    });
    expect(response.status).toBe(200);
    // The purge API wrote its hint into the edge's own index; the pass under test reads REFRESH_INDEX.
    const hint = `${HINT_PREFIX}snap:desktop:${ORIGIN}${path}`;
    expect(await env.PRERENDER_INDEX.get(hint, 'json')).toEqual({ url: `${ORIGIN}${path}`, device: 'desktop' });
    await env.REFRESH_INDEX.put(hint, JSON.stringify({ url: `${ORIGIN}${path}`, device: 'desktop' }));
    await env.REFRESH_INDEX.delete(`snap:desktop:${ORIGIN}${path}`);
    expect(await pass()).toEqual({ checked: 1, revalidated: 0, rerendered: 1, unchanged: 0, failed: 0 });
    expect(await renderCount(path)).toBe(2);
    await env.PRERENDER_INDEX.delete(hint);
  });
});

describe('the refresh pass after a build', () => {
  afterEach(() => setBuild(null));

  it('renders only a sample of a template when the new build left its content as it was', async () => {
    const paths = [uniquePath('b1'), uniquePath('b2'), uniquePath('b3'), uniquePath('b4')];
    for (const path of paths) await crawl(path);
    await setBuild('/assets/app.2b7c.js');
    expect(await pass()).toEqual({ checked: 4, revalidated: 0, rerendered: BUILD_SAMPLE, unchanged: 4 - BUILD_SAMPLE, failed: 0 });
    const counts = await Promise.all(paths.map((path) => renderCount(path)));
    expect(counts.filter((n) => n === 2)).toHaveLength(BUILD_SAMPLE);
    expect(counts.filter((n) => n === 1)).toHaveLength(4 - BUILD_SAMPLE);
    // Every snapshot is now current for the new build: the next pass renders nothing.
    expect(await pass()).toEqual({ checked: 4, revalidated: 0, rerendered: 0, unchanged: 4, failed: 0 });
  });

  it("does not take a page whose own data changed as its template's sample", async () => {
    const paths = ['d1', 'd2', 'd3', 'd4'].map((label) => uniquePath(label));
    for (const path of paths) {
      await setMode(path, 'deps');
      await crawl(path);
    }
    // The first page's data changed; the build changes no page's content.
    const [edited] = paths as [string];
    await setVersion(edited, 2);
    network = mockNetwork();
    contentApi(network, new Map([[edited, '"v2"']]));
    await setBuild('/assets/app.d.js');
    // The edited page is rendered for its data; the next two are the sample, and the last is current.
    expect(await pass()).toMatchObject({ rerendered: 1 + BUILD_SAMPLE, failed: 0 });
    expect(await Promise.all(paths.map((path) => renderCount(path)))).toEqual([2, 2, 2, 1]);
    expect(await snapshotText(edited)).toContain(`Rendered ${edited} for desktop v2`);
  });

  it("re-renders the template's pages when the sample's content changed", async () => {
    const paths = [uniquePath('c1'), uniquePath('c2'), uniquePath('c3')];
    for (const path of paths) {
      await setMode(path, 'changing'); // each render's text differs
      await crawl(path);
    }
    await setBuild('/assets/app.9f1e.js');
    expect(await pass()).toEqual({ checked: 3, revalidated: 0, rerendered: 3, unchanged: 0, failed: 0 });
    for (const path of paths) expect(await renderCount(path)).toBe(2);
  });
});

describe('the refresh pass over builds that follow each other', () => {
  afterEach(() => setBuild(null));

  it("samples each build's snapshots apart: a build that came during a re-render neither skips the pages left nor renders the done ones again", async () => {
    const paths = ['g1', 'g2', 'g3', 'g4', 'g5'].map((label) => uniquePath(label));
    for (const path of paths) {
      await setMode(path, 'templated');
      await crawl(path);
    }
    // Build B changes the template's text; the pass has renders for three pages: its two samples and one more.
    await setBuild('/assets/app.b.js', ' (layout 2)');
    expect(await pass(undefined, { REFRESH_MAX_RENDERS: '3' })).toEqual({
      checked: 5,
      revalidated: 0,
      rerendered: 3,
      unchanged: 2,
      failed: 0,
    });
    // Build C keeps B's text. Its sample of the pages rendered with B finds them unchanged (one more
    // is current as it is); its sample of the two still rendered with the first build finds them changed.
    await setBuild('/assets/app.c.js', ' (layout 2)');
    expect(await pass()).toEqual({ checked: 5, revalidated: 0, rerendered: 4, unchanged: 1, failed: 0 });
    for (const path of paths) expect(await snapshotText(path), path).toContain(`Rendered ${path} for desktop (layout 2)`);
    expect(await Promise.all(paths.map((path) => renderCount(path)))).toEqual([3, 3, 2, 2, 2]);
    // Every snapshot is current for C now.
    expect(await pass()).toMatchObject({ rerendered: 0, unchanged: 5 });
  });
});

describe('most-visited first after a build changed a template', () => {
  afterEach(() => setBuild(null));

  it('renders the pages crawlers visit before the ones the walk meets first, and only while they are outdated', async () => {
    const paths = ['v1', 'v2', 'v3', 'v4'].map((label) => uniquePath(label));
    for (const path of paths) {
      await setMode(path, 'templated');
      await crawl(path);
    }
    const [, , walkNext, visited] = paths as [string, string, string, string];
    await setBuild('/assets/app.v.js', ' (layout 2)');
    // The sample (the first two) finds the template changed; no render is left for the others.
    expect(await pass(undefined, { REFRESH_MAX_RENDERS: '2' })).toMatchObject({ rerendered: 2 });
    expect(await env.REFRESH_INDEX.get(OUTDATED_KEY, 'json')).toEqual({ groups: [expect.stringMatching(/^page /)] });

    // A crawler visits the last page (a fresh isolate: its first answer reads the outdated list).
    const isolate = { ...refreshEnv } as EdgeEnv;
    for (let visit = 0; visit < 3; visit++) {
      const { response, settled } = await callEdge(visited, UA.googlebot, {}, isolate);
      expect(response.headers.get('X-Prerender')).toBe('HIT');
      await settled();
    }
    const hints = await env.REFRESH_INDEX.list<VisitHint>({ prefix: VISIT_PREFIX });
    expect(hints.keys.map((k) => k.metadata)).toEqual([{ url: `${ORIGIN}${visited}`, device: 'desktop' }]);

    // One render: the visited page, not the next one in index order.
    expect(await pass(undefined, { REFRESH_MAX_RENDERS: '1' })).toMatchObject({ rerendered: 1, failed: 0 });
    expect(await renderCount(visited)).toBe(2);
    expect(await renderCount(walkNext)).toBe(1);
    expect(await snapshotText(visited)).toContain('(layout 2)');
    expect((await env.REFRESH_INDEX.list({ prefix: VISIT_PREFIX })).keys).toEqual([]);

    // Visits to a page already current for the build leave no hint (an isolate that has not hinted it yet).
    const another = { ...refreshEnv } as EdgeEnv;
    for (let visit = 0; visit < 2; visit++) await callEdge(visited, UA.googlebot, {}, another).then(({ settled }) => settled());
    expect((await env.REFRESH_INDEX.list({ prefix: VISIT_PREFIX })).keys).toEqual([]);
    expect(await pass()).toMatchObject({ rerendered: 1, failed: 0 });
    expect(await renderCount(walkNext)).toBe(2);
  });
});

describe('POST /__prerender/refresh', () => {
  const post = (body?: string, token = 'test-admin-token') =>
    SELF.fetch(`${ORIGIN}/__prerender/refresh`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body });

  it('runs a pass now and answers its counts', async () => {
    const response = await post();
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['checked', 'failed', 'rerendered', 'revalidated', 'unchanged']);
    for (const value of Object.values(report)) expect(Number.isInteger(value)).toBe(true);
  });

  it('answers 400 JSON for a body it does not read, 401 without the token', async () => {
    const bad = await post('{"all": true}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_body' } });
    expect((await post(undefined, 'wrong')).status).toBe(401);
  });
});
