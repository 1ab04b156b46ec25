// Edge rows: a crawler's cache hit against a bare worker answering the same bytes (with the
// in-isolate hot cache, the production default; and, as context, with it off so every hit reads
// KV + R2), and the same with the event counting on (queue and D1 in the same Miniflare); a Web Bot
// Auth signed agent's cache hit (directory warm) against the crawler's; a Markdown cache hit
// against a bare worker sending the same Markdown; a human pass-through (edge -> assets service
// binding) against a bare worker making the same hop (the goal) and, as context, against calling
// assets directly; and what bot classification costs per call in Node.
//
// The edge runs its deploy bundle in Miniflare next to the real `assets` worker; only the renderer
// is a Node-side stand-in (a render here would measure Chromium, not the edge), used once per
// instance to fill the cache before hits are measured.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Miniflare, Response, convertV4MiniflareOptions } from 'miniflare';
import { createPrivateKey, sign } from 'node:crypto';
import { signatureHeaders, signatureHeadersSync } from 'http-message-sig';
import { generateNonce } from 'web-bot-auth';
import { Ed25519Signer } from 'web-bot-auth/crypto';
import { root } from '../../scripts/workers.mjs';
import { responseHeadersOf } from '../lib.mjs';

const GOOGLEBOT =
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const BROWSER_HEADERS = { 'User-Agent': CHROME, Accept: 'text/html', 'Accept-Encoding': 'br, gzip' };
const ADMIN_TOKEN = 'bench-admin-token';
const RENDER_TOKEN = 'bench-render-token';
const OUT = join(root, 'bench', '.out', 'edge-extra');

/** A rendered article of realistic size (~20 KB of HTML), as the renderer would answer it. @param {string} url */
function renderedArticle(url) {
  const paragraphs = Array.from(
    { length: 40 },
    (_, i) => `<p>Paragraph ${i} of ${url}: ${'edge caching for crawlers '.repeat(16)}</p>`,
  ).join('\n');
  return `<!doctype html><html><head><title>Article</title><script type="module" src="/assets/app.js"></script></head><body><main><article data-article-id="1"><h1>Precompressed assets at the edge</h1>${paragraphs}</article></main></body></html>`;
}

/** The Markdown the renderer converts from that page. @param {string} url */
function renderedMarkdown(url) {
  const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of ${url}: ${'edge caching for crawlers '.repeat(16)}`);
  return `# Precompressed assets at the edge\n\n${paragraphs.join('\n\n')}\n`;
}

/** @param {Request} request */
async function fakeRenderer(request) {
  const url = new URL(request.url);
  if (url.pathname !== '/render' || request.headers.get('Authorization') !== `Bearer ${RENDER_TOKEN}`) {
    throw new Error(`bench renderer: unexpected ${request.method} ${request.url}`);
  }
  const body = /** @type {{ url: string }} */ (await request.json());
  return Response.json({
    html: renderedArticle(body.url),
    markdown: renderedMarkdown(body.url),
    status: 200,
    headers: {},
    renderedAt: new Date().toISOString(),
    timings: { totalMs: 0 },
  });
}

/** A TCP port free on 127.0.0.1 right now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/**
 * The edge bundle plus the assets worker in one Miniflare. The edge only renders and caches its own
 * origin: Miniflare listens on a port chosen first, and that origin is the site's (`SITE_ORIGINS`).
 * Not Miniflare's `upstream` option (rewriting every request to localhost:8787), whose rewrite
 * costs the instance about 0.1 of a bare worker's CPU per request (a bare worker behind it read
 * 0.906 against itself without it), work neither production nor the baselines do.
 * `events: false` leaves out the events queue (the counts stay in the isolate, never sent), as the
 * edge was before it counted.
 * @param {import('../lib.mjs').Bench} bench
 * @param {Miniflare[]} instances
 * @param {Record<string, string>} [vars]
 * @param {{ events?: boolean }} [options]
 */
async function startEdge(bench, instances, vars = {}, { events = true } = {}) {
  const port = await freePort();
  const edge = bench.workerOptions('edge', {
    vars: { SITE_ORIGINS: `http://127.0.0.1:${port}`, ...vars },
    secrets: { RENDER_TOKEN, ADMIN_TOKEN },
  });
  edge.serviceBindings = { .../** @type {Record<string, unknown>} */ (edge.serviceBindings), RENDERER: fakeRenderer };
  if (!events) {
    delete edge.queueProducers;
    delete edge.queueConsumers;
  }
  const mf = new Miniflare(
    convertV4MiniflareOptions({ workers: [edge, bench.workerOptions('assets')], cf: false, host: '127.0.0.1', port }),
  );
  instances.push(mf);
  const url = (await mf.ready).href.replace(/\/$/, '');
  // Fill the cache: one MISS, then check the next request is a HIT.
  const page = `${url}/article/1`;
  const states = [];
  let html = '';
  for (let i = 0; i < 2; i++) {
    const response = await fetch(page, { headers: { 'User-Agent': GOOGLEBOT } });
    html = await response.text();
    states.push(response.headers.get('X-Prerender'));
  }
  if (states.join() !== 'MISS,HIT') throw new Error(`edge bench: expected MISS then HIT, got ${states.join(' then ')}`);
  return { url, page, html };
}

/** @param {import('../lib.mjs').Bench} bench */
export default async function edge(bench) {
  /** @type {Miniflare[]} */
  const instances = [];
  try {
    const hot = await startEdge(bench, instances, {}, { events: false });
    const counted = await startEdge(bench, instances);
    const cold = await startEdge(bench, instances, { HOT_CACHE_SECONDS: '0' }, { events: false });
    const base = await bench.baseline({ status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: hot.html });

    await bench.compare({
      scenario: 'edge: bot cache hit (hot cache, production default)',
      request: { url: hot.page, headers: { 'User-Agent': GOOGLEBOT } },
      baselineName: 'bare worker: same HTML, constant 200',
      baseline: { url: `${base.url}/` },
      goal: 0.8,
      expectStatus: 200,
    });
    await bench.compare({
      scenario: 'edge: bot cache hit with events on',
      request: { url: counted.page, headers: { 'User-Agent': GOOGLEBOT } },
      baselineName: 'bare worker: same HTML, constant 200',
      baseline: { url: `${base.url}/` },
      goal: 0.8,
      expectStatus: 200,
    });
    await bench.compare({
      scenario: 'edge: bot cache hit, hot cache off (Miniflare local KV + R2 on every hit)',
      request: { url: cold.page, headers: { 'User-Agent': GOOGLEBOT } },
      baselineName: 'bare worker: same HTML, constant 200',
      baseline: { url: `${base.url}/` },
      goal: null,
      expectStatus: 200,
    });

    await signedAgentHit(bench, counted.page);
    await markdownHit(bench, counted.page);

    // The goal compares the human path with a bare worker making the same service-binding hop to
    // assets: the hop is a property of the runtime, the rest is the edge's own code.
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'passthrough.js'), 'export default { fetch(request, env) { return env.ASSETS_SERVICE.fetch(request); } };\n');
    const hop = new Miniflare(
      convertV4MiniflareOptions({
        workers: [
          {
            name: 'passthrough',
            modules: true,
            scriptPath: join(OUT, 'passthrough.js'),
            compatibilityDate: '2026-11-01',
            serviceBindings: { ASSETS_SERVICE: 'assets' },
          },
          bench.workerOptions('assets'),
        ],
        cf: false,
        port: 0,
      }),
    );
    instances.push(hop);
    const hopUrl = (await hop.ready).href.replace(/\/$/, '');
    await bench.compare({
      scenario: 'edge: human pass-through vs a bare pass-through worker (same hop)',
      request: { url: hot.page, headers: BROWSER_HEADERS },
      baselineName: 'worker doing only ASSETS_SERVICE.fetch(request)',
      baseline: { url: `${hopUrl}/article/1`, headers: BROWSER_HEADERS },
      goal: 0.9,
      expectStatus: 200,
    });

    // Context: what the hop itself costs, against the assets worker called with no hop at all.
    const assets = await bench.start('assets');
    await bench.compare({
      scenario: 'edge: human pass-through vs calling assets directly (no hop)',
      request: { url: hot.page, headers: BROWSER_HEADERS },
      baselineName: 'assets worker called directly',
      baseline: { url: `${assets.url}/article/1`, headers: BROWSER_HEADERS },
      goal: null,
      expectStatus: 200,
    });

    await classificationCost(bench);
    await refreshCounters(hot.url);
  } finally {
    await Promise.allSettled(instances.map((mf) => mf.dispose()));
  }
}

/**
 * A Web Bot Auth agent (Chrome User-Agent, signed as web-bot-auth signs) on a cached page, its key
 * directory served from 127.0.0.1 and already fetched, against Googlebot's hit on the same page of
 * the same edge. Two rows:
 * - the goal row repeats one signature without a nonce (as an agent may, within its validity: it
 *   covers `@authority` and `signature-agent`, not the path), so after the first request the edge
 *   answers it from its memo of verdicts (identity/signature-memo.ts) and never runs Ed25519 again;
 * - a context row signs every request afresh with a new nonce, in the load generator as each is
 *   sent, as web-bot-auth's own signer does: each pays the parse, the signature base and Ed25519,
 *   plus recording its nonce.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} page
 */
async function signedAgentHit(bench, page) {
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']));
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const signer = await Ed25519Signer.fromJWK(jwk);
  const directory = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/http-message-signatures-directory+json', 'Cache-Control': 'max-age=3600' });
    res.end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: jwk.x }] }));
  });
  await new Promise((resolve) => directory.listen(0, '127.0.0.1', () => resolve(undefined)));
  try {
    const origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (directory.address()).port}`;
    // The signed authority is the edge's own origin, where the request goes.
    const signedUrl = page;
    const agent = { 'Signature-Agent': `"${origin}"` };
    const now = Date.now();
    // http-message-sig directly: web-bot-auth's own helper always adds a nonce.
    const signed = await signatureHeaders(
      { method: 'GET', url: signedUrl, headers: agent },
      {
        signer,
        components: ['@authority', 'signature-agent'],
        created: new Date(now),
        expires: new Date(now + 600_000),
        tag: 'web-bot-auth',
      },
    );
    const headers = { ...agent, ...signed, 'User-Agent': CHROME };
    // Warm the directory, and check the agent is verified (X-Prerender) rather than served as a person.
    const first = await fetch(page, { headers });
    if (!first.headers.get('X-Prerender')) throw new Error('edge bench: the signed agent was not verified');
    await bench.compare({
      scenario: 'edge: verified-agent cache hit (Web Bot Auth, warm directory) vs bot cache hit',
      request: { url: page, headers },
      baselineName: 'Googlebot cache hit on the same edge',
      baseline: { url: page, headers: { 'User-Agent': GOOGLEBOT } },
      goal: 0.8,
      expectStatus: 200,
    });

    // Node's synchronous Ed25519, so that each request is signed as it is sent.
    const privateKey = createPrivateKey({ key: /** @type {import('node:crypto').JsonWebKey} */ (jwk), format: 'jwk' });
    const syncSigner = {
      keyid: signer.keyid,
      alg: /** @type {const} */ ('ed25519'),
      signSync: (/** @type {string} */ data) => sign(null, Buffer.from(data), privateKey),
    };
    const freshlySigned = () => {
      const at = Date.now();
      return {
        ...agent,
        ...signatureHeadersSync(
          { method: 'GET', url: signedUrl, headers: agent },
          {
            signer: syncSigner,
            components: ['@authority', 'signature-agent'],
            created: new Date(at),
            expires: new Date(at + 60_000),
            nonce: generateNonce(),
            tag: 'web-bot-auth',
          },
        ),
        'User-Agent': CHROME,
      };
    };
    const fresh = await fetch(page, { headers: freshlySigned() });
    if (!fresh.headers.get('X-Prerender')) throw new Error('edge bench: the freshly signed agent was not verified');
    await bench.compare({
      scenario:
        'edge: verified-agent cache hit, every request freshly signed with a new nonce (full Ed25519 verification) vs bot cache hit',
      request: { url: page, headersFor: freshlySigned },
      baselineName: 'Googlebot cache hit on the same edge',
      baseline: { url: page, headers: { 'User-Agent': GOOGLEBOT } },
      goal: null,
      expectStatus: 200,
    });
  } finally {
    await new Promise((resolve) => directory.close(() => resolve(undefined)));
  }
}

/**
 * A crawler asking for Markdown (`Accept: text/markdown`) on a cached page, against a bare worker
 * answering the same response.
 * @param {import('../lib.mjs').Bench} bench
 * @param {string} page
 */
async function markdownHit(bench, page) {
  const headers = { 'User-Agent': GOOGLEBOT, Accept: 'text/markdown' };
  const response = await fetch(page, { headers });
  if (response.headers.get('Content-Type') !== 'text/markdown; charset=utf-8') throw new Error('edge bench: no Markdown answer');
  const markdown = await response.text();
  // The very same response: status, headers (Vary, Link, Content-Signal, x-markdown-tokens, ...) and body.
  const base = await bench.baseline({ status: 200, headers: responseHeadersOf(response), body: markdown });
  await bench.compare({
    scenario: 'edge: Markdown cache hit vs bare worker sending the same bytes',
    request: { url: page, headers },
    baselineName: 'bare worker: the same response (headers and Markdown), constant 200',
    baseline: { url: `${base.url}/` },
    goal: 0.8,
    expectStatus: 200,
  });
}

/**
 * ns per call in Node (V8, as in workerd), memo warm: isbot's regex and a bot's list scan happen
 * once per distinct UA, which is then a Map lookup, bot or person. Each round times both over the same
 * mixed UAs, in alternating order. Context: a UA never seen before pays the crawler-list scan.
 * @param {import('../lib.mjs').Bench} bench
 */
async function classificationCost(bench) {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [join(root, 'shared', 'bots', 'classify.ts')],
    bundle: true,
    format: 'esm',
    outfile: join(OUT, 'classify.mjs'),
    platform: 'node',
    logLevel: 'error',
  });
  const { classifyBot } = await import(pathToFileURL(join(OUT, 'classify.mjs')).href);
  const { isbot } = await import('isbot');
  const uas = [
    CHROME,
    GOOGLEBOT,
    'facebookexternalhit/1.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111',
  ];
  /** @param {(ua: string) => unknown} fn @param {number} calls */
  const nsPerCall = (fn, calls) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(uas[i % uas.length] ?? '');
    return Number(process.hrtime.bigint() - start) / calls;
  };
  const classify = (/** @type {string} */ ua) => classifyBot({ userAgent: ua });
  const bare = (/** @type {string} */ ua) => isbot(ua);
  nsPerCall(classify, 20_000);
  nsPerCall(bare, 20_000);
  const CALLS = 20_000;
  await bench.paired({
    scenario: 'edge: classifyBot per call vs isbot alone (Node, mixed UAs, memo warm)',
    baselineName: 'isbot(ua) alone',
    goal: 0.5,
    unit: 'ns',
    ratio: (/** @type {number} */ ours, /** @type {number} */ base) => base / ours,
    round: async (/** @type {number} */ i) => {
      if (i % 2 === 0) {
        const base = nsPerCall(bare, CALLS);
        return { base, ours: nsPerCall(classify, CALLS) };
      }
      const ours = nsPerCall(classify, CALLS);
      return { ours, base: nsPerCall(bare, CALLS) };
    },
  });

  let fresh = 0;
  const UNSEEN = 50;
  const unseen = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < UNSEEN; i++)
      classifyBot({ userAgent: `Mozilla/5.0 (compatible; ExampleBot/${fresh++}.0; +https://example.com/bot)` });
    return Number(process.hrtime.bigint() - start) / UNSEEN;
  };
  await bench.paired({
    scenario: 'edge: classifyBot on a bot UA never seen before vs isbot alone (Node, list scan)',
    baselineName: 'isbot(ua) alone',
    goal: null,
    better: 'lower',
    unit: 'ns',
    round: async () => ({ ours: unseen(), base: nsPerCall(bare, CALLS) }),
  });
}

/** KV and R2 operations of one unchanged refresh, as the recache API counts them (README cost note). @param {string} edgeUrl */
async function refreshCounters(edgeUrl) {
  const response = await fetch(`${edgeUrl}/__prerender/recache`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: `${edgeUrl}/article/1`, device: 'desktop' }),
  });
  const { ops, results } = /** @type {{ ops: unknown, results?: Array<{ bodyWritten: boolean }> }} */ (await response.json());
  console.error(`bench edge: one unchanged refresh: ${JSON.stringify(ops)}, bodyWritten ${results?.[0]?.bodyWritten}`);
}
