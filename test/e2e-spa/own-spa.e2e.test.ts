/**
 * A team's own SPA behind the stack, and the stack through outages. `npm start` runs with
 * SPA_DIST (the folder the caller gives, else test/fixtures/own-spa: hand-made files named as
 * webpack and esbuild name their output; the hashes are not of these bytes) and with the
 * self-hosted render service (`--render-service`). The checks marked "fixture" know the fixture's
 * pages; every other check holds for any built SPA.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHashedPath } from '../../scripts/hashed.mjs';
import { RECOMMENDER_PORT, RENDER_SERVICE_PORT, WORKERS } from '../../scripts/workers.mjs';
import { startStack, type Stack } from '../support/stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SPA_DIST = process.env.SPA_DIST || 'test/fixtures/own-spa';
const usingFixture = !process.env.SPA_DIST;
const spaDir = resolve(root, SPA_DIST);
const EDGE = 'http://127.0.0.1:8787';
const SITE = 'http://localhost:8787'; // the site's origin, where crawlers come
const FEED = 'http://127.0.0.1:8791/api/feed/home?user=alice';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The files of the SPA folder as URL paths, as the build lays them out (dot-files left out). */
function spaFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/')}`)
    .filter((path) => !path.split('/').some((part) => part.startsWith('.') && part !== '.well-known'));
}

const human = (path: string, init: RequestInit = {}) =>
  fetch(`${EDGE}${path}`, { ...init, headers: { 'User-Agent': FIREFOX, ...init.headers }, redirect: 'manual' });
const crawl = (path: string) => fetch(`${SITE}${path}`, { headers: { 'User-Agent': GOOGLEBOT, Accept: 'text/html' }, redirect: 'manual' });

/** Polls `probe` until it holds; a bounded number of tries, each after the previous answer. */
async function eventually(probe: () => Promise<boolean>, tries = 120): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`condition not met after ${tries} tries`);
}

const answers = (url: string) => fetch(url, { redirect: 'manual' }).then((r) => r.status < 500);

let stack: Stack;
let demo: ChildProcess | undefined;
/** A failed test keeps the stack's logs for a look (their folder is printed). */
let failed = false;

beforeAll(async () => {
  stack = await startStack({ SPA_DIST, STACK_RENDER_SERVICE: '1' });
});

/** Stops what `npm run demo` started (by hand, so not the stack's to stop). */
function stopDemo(): void {
  if (!demo?.pid || demo.exitCode !== null || demo.signalCode !== null) return;
  try {
    process.kill(-demo.pid, 'SIGTERM');
  } catch {} // already gone
}

afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  stopDemo();
  await stack?.stop({ keep: failed });
});

describe(`your SPA behind the edge (SPA_DIST=${SPA_DIST})`, () => {
  it('gives a browser its index.html on every local address', async () => {
    const index = readFileSync(join(spaDir, 'index.html'), 'utf8');
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      const response = await fetch(`http://${host}:8787/`, { headers: { 'User-Agent': FIREFOX, Accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('X-Prerender')).toBeNull();
      expect(await response.text()).toBe(index);
    }
  });

  it('serves every file of the build as built: hashed names immutable, the rest revalidated', async () => {
    const files = spaFiles(spaDir);
    expect(files).toContain('/index.html');
    for (const path of files) {
      const response = await human(path);
      expect(response.status, path).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(spaDir, path))), path).toBe(true);
      if (isHashedPath(path)) expect(response.headers.get('Cache-Control'), path).toBe(IMMUTABLE);
      else expect(response.headers.get('Cache-Control'), path).not.toContain('immutable');
    }
    if (usingFixture) expect(files.filter(isHashedPath)).toHaveLength(5); // webpack and esbuild names
  });

  it("answers a deep navigation with index.html, and a missing hashed file with 404, not the SPA's shell", async () => {
    const navigation = await human('/some/deep/route', { headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' } });
    expect(navigation.status).toBe(200);
    expect(await navigation.text()).toBe(readFileSync(join(spaDir, 'index.html'), 'utf8'));
    const missing = await human('/static/js/missing.1a2b3c4d.js', { headers: { Accept: '*/*', 'Sec-Fetch-Dest': 'script' } });
    expect(missing.status).toBe(404);
  });

  it.runIf(usingFixture)(
    'fixture: crawlers get a page only JavaScript fills in, rendered by the render service (MISS, then HIT)',
    async () => {
      const first = await crawl('/products/42');
      expect(first.status).toBe(200);
      expect(first.headers.get('X-Prerender')).toBe('MISS');
      const html = await first.text();
      expect(html).toContain('data-product="42"');
      expect(html).toContain('<h1>Kettle</h1>');
      expect(html).not.toContain('Loading…');
      const second = await crawl('/products/42');
      expect(second.headers.get('X-Prerender')).toBe('HIT');
      expect(await second.text()).toBe(html);
      const renders = readFileSync(join(stack.logDir, 'render-service.log'), 'utf8');
      expect(renders).toMatch(/"event":"render","url":"http:\/\/localhost:8787\/products\/42","device":"\w+","via":"local-chromium"/);
    },
  );

  it.runIf(usingFixture)("fixture: crawlers get the SPA's own 404", async () => {
    const response = await crawl('/products/999');
    expect(response.status).toBe(404);
    expect(response.headers.get('X-Prerender')).toBe('MISS');
  });
});

describe('npm start through outages', () => {
  it('the render service stops: npm start says so, the workers keep running, crawlers get FALLBACK', async () => {
    process.kill(stack.pid('render-service'), 'SIGTERM');
    const line = await stack.waitFor(/^\[start\] render-service exited/, 0);
    expect(line).toMatch(/the workers keep running; bring it back with: .* npm run render-service$/);
    for (const { port } of WORKERS) expect(await answers(`http://127.0.0.1:${port}/`)).toBe(true);
    const response = await crawl(`/never-rendered-${Date.now().toString(36)}`);
    expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
  });

  it('the recommender stops: npm start says so, the workers keep running, the feed goes degraded', async () => {
    process.kill(stack.pid('recommender'), 'SIGTERM');
    const line = await stack.waitFor(/^\[start\] recommender exited/, 0);
    expect(line).toMatch(/the workers keep running; bring it back with: npm run demo$/);
    for (const { port } of WORKERS) expect(await answers(`http://127.0.0.1:${port}/`)).toBe(true);
    const feed = await fetch(FEED);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('X-Feed-Mode')).toBe('degraded');
  });

  it('`npm run demo` brings the recommender back, and the feed goes live again', async () => {
    demo = spawn('npm', ['run', 'demo'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((ready, failed) => {
      demo!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('demo recommender on') && ready());
      demo!.once('exit', (code) => failed(new Error(`npm run demo exited (${code})`)));
    });
    await eventually(async () => (await fetch(FEED)).headers.get('X-Feed-Mode') === 'live');
  });

  it('a worker that dies is restarted', async () => {
    const since = stack.output().length;
    const pid = stack.pid('feed');
    process.kill(-pid, 'SIGKILL'); // the whole group: wrangler and its workerd
    await stack.waitFor(/^\[start\] feed exited \(SIGKILL\); restarting it in \d+ s \(restart 1\)$/, since);
    await stack.waitFor(/^\[start\] feed started \(pid \d+\)$/, since);
    expect(stack.pid('feed')).not.toBe(pid);
    await eventually(async () => (await fetch(FEED)).status === 200);
  });

  it('Ctrl-C stops every process the stack started, and frees its ports', async () => {
    stopDemo();
    const groups = new Set(stack.pids());
    expect(await stack.stop({ keep: failed })).toBe(0);
    await eventually(async () => livingGroups(groups).length === 0, 20);
    const ports = [...WORKERS.map((w) => w.port), RECOMMENDER_PORT, RENDER_SERVICE_PORT];
    for (const host of ['127.0.0.1', '[::1]']) {
      for (const port of ports) await expect(fetch(`http://${host}:${port}/`), `${host}:${port}`).rejects.toThrow();
    }
  });
});

/** Process groups of `groups` that still hold a live (not zombie) process. */
function livingGroups(groups: Set<number>): number[] {
  return execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pgid, stat]) => pgid && groups.has(Number(pgid)) && !stat?.startsWith('Z'))
    .map(([pgid]) => Number(pgid));
}
