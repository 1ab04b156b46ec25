/**
 * Network-level stand-ins for the two services the edge calls, run Node-side by Miniflare as its
 * `RENDERER` and `ASSETS_SERVICE` service bindings. Both throw on any request they do not expect.
 *
 * The renderer answers per page path; a test switches a URL's behaviour (down, held, ...) and reads
 * how many renders happened through `/__mock/*` on the same binding. A `held` render waits until
 * the test releases it, and the test can wait until one has arrived: explicit events, no timing.
 */
import { Response, type Request } from 'miniflare';
import { DEPENDENCY_ORIGIN, SPA_ROBOTS, pageHtml, pageMarkdown } from './pages.ts';

export const RENDER_TOKEN = 'test-render-token';
export const ADMIN_TOKEN = 'test-admin-token';

export type Mode =
  | 'ok'
  | 'down'
  | 'timeout'
  | 'held'
  | 'changing'
  | 'gone'
  | 'moved'
  | 'off-site'
  | 'crash'
  | 'server-error'
  | 'html-only'
  | 'deps'
  | 'templated';

/**
 * The data dependency a page in mode `deps` records: its own URL on the demo content API, with the
 * ETag the test's network mock answers for that page at the time of the render (`"v<n>"`, set
 * through `/__mock/version`).
 */
const versions = new Map<string, number>();

/**
 * The SPA build both mocks serve: the module script of the assets shell and of every rendered page
 * (a new build renames it, as Vite's content hashes do). Switched through `/__mock/build` on the
 * renderer binding.
 */
const FIRST_BUILD_SCRIPT = '/assets/app.js';
let buildScript = FIRST_BUILD_SCRIPT;
/** What the build's page template adds to the text of a page in mode `templated` (a build can change it, or keep it). */
let buildText = '';
const withBuild = (html: string) => html.replaceAll(FIRST_BUILD_SCRIPT, buildScript);
const modes = new Map<string, Mode>();
const calls = new Map<string, number>();
const authHeaders: string[] = [];

/** The renders of a `held` path: signalled when one arrives, answered when the test releases them. */
interface Hold {
  arrived: Promise<void>;
  arrive(): void;
  released: Promise<void>;
  release(): void;
}
const holds = new Map<string, Hold>();

function holdOf(path: string): Hold {
  let hold = holds.get(path);
  if (!hold) {
    const arrival = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    hold = { arrived: arrival.promise, arrive: arrival.resolve, released: release.promise, release: release.resolve };
    holds.set(path, hold);
  }
  return hold;
}

function modeOf(url: URL): Mode {
  const mode = modes.get(url.pathname);
  if (mode) return mode;
  if (url.pathname === '/gone') return 'gone';
  if (url.pathname === '/old-about') return 'moved';
  return 'ok';
}

export async function renderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/__mock/mode' && request.method === 'POST') {
    const { path, mode } = (await request.json()) as { path: string; mode: Mode };
    modes.set(path, mode);
    return Response.json({ ok: true });
  }
  if (url.pathname === '/__mock/build' && request.method === 'POST') {
    const build = (await request.json()) as { script: string | null; text?: string };
    buildScript = build.script ?? FIRST_BUILD_SCRIPT;
    buildText = build.text ?? '';
    return Response.json({ ok: true });
  }
  if (url.pathname === '/__mock/lastmod' && request.method === 'POST') {
    warmOneLastmod = ((await request.json()) as { lastmod: string | null }).lastmod;
    return new Response('ok');
  }
  if (url.pathname === '/__mock/version' && request.method === 'POST') {
    const { path, version } = (await request.json()) as { path: string; version: number };
    versions.set(path, version);
    return Response.json({ ok: true });
  }
  if (url.pathname === '/__mock/calls' && request.method === 'GET') {
    return Response.json({ calls: Object.fromEntries(calls), authHeaders });
  }
  if (url.pathname === '/__mock/arrived' && request.method === 'GET') {
    await holdOf(url.searchParams.get('path') ?? '').arrived;
    return Response.json({ ok: true });
  }
  if (url.pathname === '/__mock/release' && request.method === 'POST') {
    holdOf(url.searchParams.get('path') ?? '').release();
    return Response.json({ ok: true });
  }
  if (url.pathname !== '/render' || request.method !== 'POST') {
    throw new Error(`renderer mock: unexpected ${request.method} ${request.url}`);
  }
  const auth = request.headers.get('Authorization') ?? '';
  authHeaders.push(auth);
  if (auth !== `Bearer ${RENDER_TOKEN}`) return Response.json({ error: { code: 'unauthorized', message: 'bad token' } }, { status: 401 });
  const { url: pageUrl, device } = (await request.json()) as { url: string; device: string };
  const page = new URL(pageUrl);
  const callKey = `${device} ${pageUrl}`;
  const count = (calls.get(callKey) ?? 0) + 1;
  calls.set(callKey, count);
  const ok = (html: string, status = 200, headers: Record<string, string> = {}, markdown?: string) =>
    Response.json({ html: withBuild(html), markdown, status, headers, renderedAt: new Date().toISOString(), timings: { totalMs: 412 } });
  switch (modeOf(page)) {
    case 'down':
      return Response.json({ error: { code: 'browser_unavailable', message: 'no browser' } }, { status: 503 });
    case 'timeout':
      return Response.json({ error: { code: 'render_timeout', message: 'timed out' } }, { status: 504 });
    case 'crash':
      throw new Error('renderer mock: simulated crash');
    case 'held': {
      const hold = holdOf(page.pathname);
      hold.arrive();
      await hold.released;
      return ok(pageHtml(page.pathname, device), 200, {}, pageMarkdown(page.pathname, device));
    }
    case 'changing':
      return ok(pageHtml(page.pathname, device, ` #${count}`), 200, {}, pageMarkdown(page.pathname, device, ` #${count}`));
    case 'templated':
      return ok(pageHtml(page.pathname, device, buildText), 200, {}, pageMarkdown(page.pathname, device, buildText));
    case 'html-only':
      return ok(pageHtml(page.pathname, device));
    case 'deps': {
      const version = versions.get(page.pathname) ?? 1;
      const dependencies = {
        requests: [{ url: `${DEPENDENCY_ORIGIN}/_content${page.pathname}`, etag: `"v${version}"` }],
        complete: true,
      };
      return Response.json({
        html: pageHtml(page.pathname, device, ` v${version}`),
        markdown: pageMarkdown(page.pathname, device, ` v${version}`),
        status: 200,
        headers: {},
        renderedAt: new Date().toISOString(),
        timings: { totalMs: 300 },
        dependencies,
      });
    }
    case 'gone':
      return ok(
        '<html><head><meta name="prerender-status-code" content="404"></head><body>Not found</body></html>',
        404,
        {},
        '# Not found\n',
      );
    case 'moved':
      return ok('<html><head></head><body>Moved</body></html>', 301, { Location: '/about' });
    case 'off-site':
      return ok('<html><head></head><body>Moved</body></html>', 301, { Location: 'https://evil.example/phish' });
    case 'server-error':
      return ok('<html><body>Oops</body></html>', 500);
    case 'ok':
      return ok(pageHtml(page.pathname, device), 200, {}, pageMarkdown(page.pathname, device));
  }
}

export const SPA_SHELL =
  '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body><div id="app"></div></body></html>';

/** The `<lastmod>` the sitemap gives /warm/one (none until a test sets it through `/__mock/lastmod`). */
let warmOneLastmod: string | null = null;

const sitemap = () => `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://localhost:8787/warm/one</loc>${warmOneLastmod === null ? '' : `<lastmod>${warmOneLastmod}</lastmod>`}</url>
  <url><loc> http://localhost:8787/warm/two?utm_source=mail&amp;page=2 </loc></url>
  <url><loc>http://127.0.0.1:8787/warm/one/</loc></url>
  <url><loc>https://evil.example/warm/elsewhere</loc></url>
</urlset>`;

/** The SPA as `assets` serves it; it echoes what it received so tests can check "untouched". */
const ASSET_PATHS =
  /^\/(|article\/.*|page\/.*|about|gone|old-about|warm\/.*|assets\/.*|api\/.*|robots\.txt|\.well-known\/.*|sitemap\.xml)$/;

export async function assets(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (!ASSET_PATHS.test(url.pathname)) throw new Error(`assets mock: unexpected ${request.method} ${request.url}`);
  const echo = {
    'X-Mock': 'assets',
    'X-Echo-Method': request.method,
    'X-Echo-Url': request.url,
    'X-Echo-User-Agent': request.headers.get('User-Agent') ?? '',
    'X-Echo-Cookie': request.headers.get('Cookie') ?? '',
    'X-Echo-Render': request.headers.get('X-Prerender-Render') ?? '',
  };
  if (url.pathname === '/sitemap.xml') return new Response(sitemap(), { headers: { ...echo, 'Content-Type': 'application/xml' } });
  if (url.pathname === '/robots.txt') return new Response(SPA_ROBOTS, { headers: { ...echo, 'Content-Type': 'text/plain' } });
  if (url.pathname.startsWith('/api/')) return Response.json({ api: true }, { headers: echo });
  if (url.pathname.startsWith('/assets/')) {
    return new Response('console.log(1)', {
      headers: { ...echo, 'Content-Type': 'text/javascript', 'Cache-Control': 'public, max-age=31536000, immutable' },
    });
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new Error(`assets mock: unexpected ${request.method} ${request.url}`);
  return new Response(request.method === 'HEAD' ? null : withBuild(SPA_SHELL), {
    headers: { ...echo, 'Content-Type': 'text/html; charset=utf-8' },
  });
}
