/**
 * The skew window in workerd with the worker's real bindings: the history manifest read from the
 * local R2 bucket (production's store) and from build/assets/.history through ASSETS (the local
 * store), looked up again after a miss once it is old enough, and a file of an earlier build served
 * by the worker with the headers of a current one.
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE } from '../../workers/assets/src/headers.ts';
import { assetsFolderStore, History, HISTORY_MANIFEST_KEY, r2Store, RELOAD_AFTER_MS } from '../../workers/assets/src/history.ts';
import worker from '../../workers/assets/src/index.ts';
import type { Manifest, ManifestEntry } from '../../workers/assets/src/manifest.ts';

const OLD_PATH = '/assets/article.0ldBu1ld.js';
const OLD_BYTES = 'export const article = "from an earlier build";\n';

function entry(path: string, size: number): ManifestEntry {
  return {
    contentType: 'text/javascript; charset=utf-8',
    immutable: true,
    lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT',
    variants: [{ encoding: 'identity', path, size, etag: '"old-build-etag"' }],
    dictionary: { match: '/assets/article.*.js' },
  };
}

async function putHistory(files: Record<string, ManifestEntry>): Promise<void> {
  const manifest: Manifest & { builds: unknown[] } = { version: 1, files, builds: [] };
  await env.HISTORY.put(HISTORY_MANIFEST_KEY, JSON.stringify(manifest));
}

afterEach(async () => {
  const listed = await env.HISTORY.list();
  await env.HISTORY.delete(listed.objects.map((o) => o.key));
});

describe('History over the R2 bucket', () => {
  it('an empty bucket is an empty window', async () => {
    const history = new History(r2Store(env.HISTORY));
    expect(await history.find(OLD_PATH)).toBeNull();
  });

  it('finds an entry, reads its bytes, and answers null for bytes the store lost', async () => {
    await putHistory({ [OLD_PATH]: entry(OLD_PATH, OLD_BYTES.length) });
    await env.HISTORY.put(OLD_PATH.slice(1), OLD_BYTES);
    const history = new History(r2Store(env.HISTORY));
    expect(await history.find(OLD_PATH)).toEqual(entry(OLD_PATH, OLD_BYTES.length));
    const response = await history.read(OLD_PATH);
    expect(response?.headers.get('Content-Length')).toBe(String(OLD_BYTES.length));
    expect(await response?.text()).toBe(OLD_BYTES);
    expect(await history.read('/assets/gone.1a2b3c4d.js')).toBeNull();
  });

  it('looks a miss up again only once its copy is RELOAD_AFTER_MS old (a file of the next deploy during a gradual rollout)', async () => {
    let now = 1_000_000;
    await putHistory({});
    const history = new History(r2Store(env.HISTORY), () => now);
    expect(await history.find(OLD_PATH)).toBeNull();
    await putHistory({ [OLD_PATH]: entry(OLD_PATH, 10) }); // the next deploy appends itself
    now += RELOAD_AFTER_MS - 1;
    expect(await history.find(OLD_PATH)).toBeNull(); // a flood of misses does not read the store each time
    now += 1;
    expect(await history.find(OLD_PATH)).not.toBeNull();
  });

  it('reload() drops the copy', async () => {
    await putHistory({});
    const history = new History(r2Store(env.HISTORY), () => 0);
    expect(await history.find(OLD_PATH)).toBeNull();
    await putHistory({ [OLD_PATH]: entry(OLD_PATH, 10) });
    history.reload();
    expect(await history.find(OLD_PATH)).not.toBeNull();
  });
});

describe('History over build/assets/.history (the local store)', () => {
  it("lists the current build's hashed files with the same entries as the build manifest", async () => {
    const current = (await (await env.ASSETS.fetch('https://assets.internal/.assets-manifest.json')).json()) as Manifest;
    const history = new History(assetsFolderStore(env.ASSETS));
    const hashed = Object.entries(current.files).filter(([, e]) => e.immutable);
    expect(hashed.length).toBeGreaterThan(0);
    for (const [path, expected] of hashed) {
      expect(await history.find(path), path).toEqual(expected);
      const stored = await history.read(expected.variants.at(-1)!.path);
      expect(stored?.ok, path).toBe(true);
      await stored?.body?.cancel();
    }
    expect(await history.find('/index.html')).toBeNull(); // never kept: only hashed files are
  });
});

describe('the worker with HISTORY_STORE = r2 (production)', () => {
  async function fetchWith(vars: Partial<AssetsEnv> | Record<string, string>, path: string, headers: Record<string, string> = {}) {
    // A copy of env: a fresh isolate's state (state.ts), with the vars changed.
    return worker.fetch(new Request(`http://assets.test${path}`, { headers }), { ...env, ...vars } as AssetsEnv);
  }

  it('serves a file of an earlier build from the bucket, immutable, with its dictionary header', async () => {
    await putHistory({ [OLD_PATH]: entry(OLD_PATH, OLD_BYTES.length) });
    await env.HISTORY.put(OLD_PATH.slice(1), OLD_BYTES);
    const response = await fetchWith({ HISTORY_STORE: 'r2' }, OLD_PATH, { 'Sec-Fetch-Dest': 'script', 'Accept-Encoding': 'br' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe(IMMUTABLE);
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('ETag')).toBe('"old-build-etag"');
    expect(response.headers.get('Use-As-Dictionary')).toBe('match="/assets/article.*.js"');
    expect(await response.text()).toBe(OLD_BYTES);
  });

  it.each([
    ['script', '/assets/article.notThere1.js'],
    ['style', '/assets/article.notThere1.css'],
    ['worker', '/assets/worker.notThere1.js'],
    ['image', '/assets/logo.notThere1.png'],
    ['font', '/assets/inter.notThere1.woff2'],
    ['empty', '/assets/data.notThere1.json'],
  ])('a %s request for a file no build has is a short JSON 404, never HTML', async (destination, path) => {
    await putHistory({});
    const response = await fetchWith({ HISTORY_STORE: 'r2' }, path, { 'Sec-Fetch-Dest': destination, Accept: 'text/html,*/*' });
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toContain('application/json');
    const body = await response.text();
    expect(body.length).toBeLessThan(200);
    expect(body).not.toContain('<');
  });

  it('a listed file the bucket lost is a 503 to retry, not HTML and not a 404', async () => {
    await putHistory({ [OLD_PATH]: entry(OLD_PATH, OLD_BYTES.length) });
    const response = await fetchWith({ HISTORY_STORE: 'r2' }, OLD_PATH, { 'Sec-Fetch-Dest': 'script' });
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('1');
    expect(response.headers.get('Content-Type')).toContain('application/json');
  });

  it('a HISTORY_STORE that is neither assets nor r2 is a config error naming it', async () => {
    const response = await fetchWith({ HISTORY_STORE: 's3' }, '/');
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'config_invalid', field: 'HISTORY_STORE' } });
  });
});
