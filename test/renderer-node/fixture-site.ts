/**
 * A small site for render tests, served from Node on random ports: pages that only JavaScript fills
 * in, pages with `prerenderReady`, prerender metas, images, redirects and requests to other origins.
 * Three origins: the site (`http://localhost:P`), an allowed API (`http://localhost:Q`), and an
 * off-site origin (`http://127.0.0.1:P`: same server, different origin) that must never be reached.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  origin: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface FixtureSite {
  siteOrigin: string;
  apiOrigin: string;
  offsiteOrigin: string;
  /** Every request the servers received, in order. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(head: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>fixture</title>${head}</head><body>${body}</body></html>`;
}

/** Writes `text` into #app, as an SPA would. */
const fill = (text: string) => `document.getElementById('app').textContent = ${JSON.stringify(text)};`;

function sitePages(apiOrigin: string, offsiteOrigin: string): Record<string, (req: IncomingMessage) => string> {
  return {
    // No prerenderReady: done at network idle. Content appears after a fetch and a timer.
    '/js-only': () =>
      page(
        '',
        `<main id="app"></main><script>
      fetch('/data.json').then((r) => r.json()).then((d) => setTimeout(() => { ${fill('')} document.getElementById('app').innerHTML = '<h1>' + d.title + '</h1>'; }, 50));
    </script>`,
      ),
    // prerenderReady: content only after 1.2 s, longer than any network-idle window.
    '/ready': () =>
      page(
        '<script>window.prerenderReady = false;</script>',
        `<main id="app"></main><script>
      setTimeout(() => { ${fill('ready-content')} window.prerenderReady = true; }, 1200);
    </script>`,
      ),
    '/never-ready': () =>
      page('<script>window.prerenderReady = false;</script>', `<main id="app"></main><script>${fill('not yet')}</script>`),
    '/gone': () =>
      page(
        '',
        `<main id="app"></main><script>
      const m = document.createElement('meta'); m.name = 'prerender-status-code'; m.content = '404'; document.head.append(m); ${fill('gone')}
    </script>`,
      ),
    '/moved': () =>
      page(
        '',
        `<main id="app"></main><script>
      for (const [name, content] of [['prerender-status-code', '301'], ['prerender-header', 'Location: /about'], ['prerender-header', 'Set-Cookie: a=b']]) {
        const m = document.createElement('meta'); m.name = name; m.content = content; document.head.append(m);
      }
    </script>`,
      ),
    // User content in an attribute that reads like metas: only real meta elements count.
    '/injected': () =>
      page(
        '',
        `<main id="app"></main><script>
      const div = document.createElement('div');
      div.title = '<meta name="prerender-status-code" content="404"><meta name="prerender-header" content="X-Robots-Tag: noindex">';
      div.textContent = 'a comment'; document.getElementById('app').append(div);
    </script>`,
      ),
    // The image's onerror fires when the renderer blocks it.
    '/images': () =>
      page(
        '<script>window.prerenderReady = false;</script>',
        `<main id="app"></main>
      <img src="/pixel.png" onload="done('image: loaded')" onerror="done('image: blocked')">
      <script>function done(text) { ${fill('')} document.getElementById('app').textContent = text; window.prerenderReady = true; }</script>`,
      ),
    // What the server saw, rendered into the page.
    '/headers': (req) =>
      page(
        '',
        `<pre id="marker">${escape(String(req.headers['x-prerender-render'] ?? 'absent'))}</pre><pre id="ua">${escape(String(req.headers['user-agent'] ?? ''))}</pre>`,
      ),
    '/ssrf': () =>
      page(
        '<script>window.prerenderReady = false;</script>',
        `<main id="app"></main><script>
      const probe = (url) => fetch(url).then((r) => r.text()).then(() => 'reached', () => 'blocked');
      Promise.all([probe(${JSON.stringify(`${apiOrigin}/api/items`)}), probe(${JSON.stringify(`${offsiteOrigin}/secret`)}), probe('/redirect-offsite')])
        .then(([api, offsite, redirected]) => { document.getElementById('app').textContent = 'api: ' + api + '; offsite: ' + offsite + '; redirected: ' + redirected; window.prerenderReady = true; });
    </script>`,
      ),
    // State left by an earlier render would show here: cookies and localStorage.
    '/state': () =>
      page(
        '',
        `<main id="app"></main><script>
      ${fill('')} document.getElementById('app').textContent = 'cookie=' + document.cookie + '; stored=' + (localStorage.getItem('visited') ?? '');
      document.cookie = 'visited=1; path=/'; localStorage.setItem('visited', '1');
    </script>`,
      ),
    // An SPA with site chrome around its main content, filled by JavaScript: what Markdown keeps.
    '/article': () =>
      page(
        '<title>Fixture article</title>',
        `<header><a href="/">Home</a><nav><a href="/a">A</a> <a href="/b">B</a></nav></header>
      <main id="app"></main>
      <footer>Footer text</footer>
      <script>document.getElementById('app').innerHTML = [
        '<article><h1>Edge caching for agents</h1>',
        '<p>Crawlers that run no JavaScript get <strong>the content</strong>, not a shell. See <a href="/docs/guide">the guide</a>.</p>',
        '<h2>Steps</h2><ul><li>Render once</li><li>Serve twice</li></ul>',
        '<p><img src="/diagram.png" alt="A diagram of the edge"></p>',
        '<p hidden>Hidden by attribute</p><p style="display:none">Hidden by style</p>',
        '<nav>In-article navigation</nav><p><a href="javascript:void 0">Not a real link</a></p>',
        '<script>var inline = 1;<\\/script><pre><code class="language-js">const a = 1;</code></pre>',
        '<aside><h2>Read next</h2><ul><li><a href="/other">Another article</a></li><li><a href="/more">More reading</a></li></ul></aside>',
        '<aside><p>A side note that belongs to the text, with <a href="/source">a source</a>.</p></aside></article>',
      ].join('');</script>`,
      ),
    // No <main>: the body without its chrome is the content.
    '/plain': () => page('', `<header>Site header</header><nav>Menu</nav><section><p>Only paragraph.</p></section><footer>Footer</footer>`),
    // Data requests: same-site without validators, same-site with validators, the allowed API, an
    // off-site origin (aborted), a stylesheet (not data).
    '/deps': () =>
      page(
        '<script>window.prerenderReady = false;</script><link rel="stylesheet" href="/style.css">',
        `<main id="app"></main><script>
      const get = (url) => fetch(url).then((r) => r.text()).catch(() => 'blocked');
      Promise.all([get('/data.json'), get('/versioned.json#top'), get(${JSON.stringify(`${apiOrigin}/api/items`)}), get(${JSON.stringify(`${offsiteOrigin}/secret`)})])
        .then(() => { ${fill('deps')} window.prerenderReady = true; });
    </script>`,
      ),
    // A data request whose query names a user: never recorded, and the list says it is incomplete.
    '/deps-user': () =>
      page(
        '<script>window.prerenderReady = false;</script>',
        `<main id="app"></main><script>
      fetch('/data.json?user=alice').then((r) => r.text()).then(() => { ${fill('for alice')} window.prerenderReady = true; });
    </script>`,
      ),
    // Never idle: a request that never answers. Content is there at once.
    '/polling': () => page('', `<main id="app"></main><script>${fill('polling-content')} fetch('/hang');</script>`),
  };
}

export async function startFixtureSite(): Promise<FixtureSite> {
  const requests: SeenRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const site = createServer();
  const api = createServer();
  await Promise.all([listen(site), listen(api)]);
  const sitePort = (site.address() as AddressInfo).port;
  const apiOrigin = `http://localhost:${(api.address() as AddressInfo).port}`;
  const siteOrigin = `http://localhost:${sitePort}`;
  const offsiteOrigin = `http://127.0.0.1:${sitePort}`;
  const pages = sitePages(apiOrigin, offsiteOrigin);

  site.on('request', (req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = new URL(req.url ?? '/', origin).pathname;
    requests.push({ origin, path, headers: req.headers });
    if (origin !== siteOrigin) return send(res, 200, 'text/plain', 'secret');
    const render = pages[path];
    if (render) return send(res, 200, 'text/html; charset=utf-8', render(req));
    if (path === '/data.json') return send(res, 200, 'application/json', JSON.stringify({ title: 'Rendered by JavaScript' }));
    if (path === '/versioned.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"v1"', 'Last-Modified': 'Mon, 30 Nov 2026 10:00:00 GMT' });
      return void res.end('{"v":1}');
    }
    if (path === '/style.css') return send(res, 200, 'text/css', 'main { color: black }');
    if (path === '/pixel.png') return send(res, 200, 'image/png', Buffer.from('89504e470d0a1a0a', 'hex'));
    if (path === '/redirect-away') return redirect(res, `${offsiteOrigin}/secret`);
    if (path === '/redirect-offsite') return redirect(res, `${offsiteOrigin}/secret`);
    if (path === '/hang') return void hanging.add(res);
    send(res, 404, 'text/plain', 'not found');
  });
  api.on('request', (req, res) => {
    requests.push({ origin: apiOrigin, path: req.url ?? '/', headers: req.headers });
    res.setHeader('Access-Control-Allow-Origin', '*');
    send(res, 200, 'application/json', JSON.stringify({ items: [1, 2, 3] }));
  });

  return {
    siteOrigin,
    apiOrigin,
    offsiteOrigin,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      await Promise.all([site, api].map(close));
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location }).end();
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
