// Short links: the redirector's hot path against a bare worker answering a constant 301, with and
// without click events; a link with 10 rules against a plain one; a preview card against a bare
// worker sending the same bytes; and the redirector's deploy bundle against its 20 KB gzip budget.
//
// Hot links are in KV; the redirector keeps a record it read in the last 5 s (FRESH_MS) in isolate
// memory, so under load most requests are answered without KV I/O, as a popular link would be in
// production. Every request still classifies the client and counts the click (Analytics Engine,
// and, with events on, the event buffer that sends to the link-clicks queue in waitUntil).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36';
/** A public address, as Cloudflare sets it: with the burst rule on, human clicks are held per address. */
const CLIENT = '203.0.113.7';
/** The production values of the stage files. */
const PRODUCTION_VARS = { SCANNER_BURST_LINKS: '3' };

/**
 * @param {string} code
 * @param {Record<string, unknown>} [extra]
 */
function record(code, extra = {}) {
  const at = new Date().toISOString();
  return {
    code,
    url: 'https://example.com/landing?campaign=bench',
    status: 301,
    appendQuery: true,
    immutable: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...extra,
  };
}

/**
 * Seeds links the way the shortener writes them: claimed in the authority, then copied to KV (the
 * harness gives secrets only to the first worker, so not through the API).
 * @param {Miniflare} mf
 * @param {Array<ReturnType<typeof record>>} records
 */
async function seed(mf, records) {
  // Miniflare types the namespace by its own Request types; this is the object's RPC surface.
  const authority = /** @type {{ get(id: unknown): { claim(r: unknown): Promise<unknown> }, idFromName(name: string): unknown }} */ (
    /** @type {unknown} */ (await mf.getDurableObjectNamespace('LINK_AUTHORITY', 'shortener'))
  );
  const kv = /** @type {{ put(key: string, value: string): Promise<void> }} */ (
    /** @type {unknown} */ (await mf.getKVNamespace('LINKS', 'redirector'))
  );
  for (const r of records) {
    if ((await authority.get(authority.idFromName(r.code)).claim(r)) === null) throw new Error(`links bench: could not claim ${r.code}`);
    await kv.put(`link:${r.code}`, JSON.stringify(r));
  }
}

/** 10 rules of every kind, none of which matches the bench's request: all are evaluated. */
const TEN_RULES = [
  { if: { device: 'ios' }, url: 'https://apps.apple.com/app/id1' },
  { if: { device: 'android' }, url: 'https://play.example/app' },
  { if: { country: 'DE' }, url: 'https://example.de/' },
  { if: { country: 'FR' }, url: 'https://example.fr/' },
  { if: { language: 'es' }, url: 'https://example.com/es' },
  { if: { language: 'pt-br' }, url: 'https://example.com/pt' },
  { if: { query: { ref: 'mail' } }, url: 'https://example.com/mail' },
  { if: { query: { utm_source: 'qr' } }, url: 'https://example.com/qr' },
  { if: { country: 'JP' }, url: 'https://example.jp/' },
  { if: { language: 'fr' }, url: 'https://example.com/fr' },
];
const PREVIEW = { title: 'Spring sale', description: 'Half off everything this week', image: 'https://cdn.example.com/card.png' };

/** @param {import('../lib.mjs').Bench} bench */
export default async function links(bench) {
  // The shortener runs beside the redirector: its Durable Object is the redirector's authority,
  // and its queue consumer takes the click events into its D1.
  const redirector = await bench.start('redirector', { also: ['shortener'], vars: PRODUCTION_VARS });
  await seed(redirector.mf, [record('hot-link'), record('ten-rules', { rules: TEN_RULES }), record('with-card', { preview: PREVIEW })]);

  // The same redirector with no queue bound: the hot path as it was before click events.
  const withoutQueue = bench.workerOptions('redirector', { vars: PRODUCTION_VARS });
  delete withoutQueue.queueProducers;
  const quiet = new Miniflare(convertV4MiniflareOptions({ workers: [withoutQueue, bench.workerOptions('shortener')], cf: false, port: 0 }));
  const quietUrl = (await quiet.ready).href.replace(/\/$/, '');
  await seed(quiet, [record('hot-link')]);

  const headers = { 'User-Agent': BROWSER, 'CF-Connecting-IP': CLIENT, 'CF-IPCountry': 'US', 'Accept-Language': 'en-US,en;q=0.9' };
  const base = await bench.baseline({
    status: 301,
    headers: { Location: 'https://example.com/landing?campaign=bench', 'Cache-Control': 'public, max-age=86400' },
  });
  const hotLink = {
    baselineName: 'bare worker: constant 301',
    baseline: { url: `${base.url}/` },
    goal: 0.9,
    expectStatus: 301,
  };
  try {
    await bench.compare({
      ...hotLink,
      scenario: 'redirector: hot link (KV hit, 5 s isolate memory)',
      request: { url: `${quietUrl}/hot-link`, method: 'GET', headers },
    });
    await bench.compare({
      ...hotLink,
      scenario: 'redirector: hot link with click events on (event buffer to the link-clicks queue, burst rule on)',
      request: { url: `${redirector.url}/hot-link`, method: 'GET', headers },
    });
  } finally {
    await quiet.dispose();
  }

  await bench.compare({
    scenario: 'redirector: link with 10 rules (none matching) vs a plain link',
    request: { url: `${redirector.url}/ten-rules`, method: 'GET', headers },
    baselineName: 'the same redirector: a plain hot link',
    baseline: { url: `${redirector.url}/hot-link`, method: 'GET', headers },
    goal: 0.9,
    expectStatus: 301,
  });

  // The card's bytes, as the redirector sends them, for the bare worker to send the same.
  const slack = { ...headers, 'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' };
  const card = await fetch(`${redirector.url}/with-card`, { headers: slack, redirect: 'manual' });
  if (card.status !== 200) throw new Error(`links bench: the card answered ${card.status}`);
  const cardHeaders = Object.fromEntries([...card.headers].filter(([name]) => name !== 'content-length'));
  const bareCard = await bench.baseline({ status: 200, headers: cardHeaders, body: await card.text() });
  await bench.compare({
    scenario: 'redirector: preview card for a preview bot vs a bare worker with the same bytes',
    request: { url: `${redirector.url}/with-card`, method: 'GET', headers: slack },
    baselineName: 'bare worker: the same HTML',
    baseline: { url: `${bareCard.url}/` },
    goal: 0.8,
    expectStatus: 200,
  });

  const outdir = bench.bundle('redirector');
  const bytes = readdirSync(outdir)
    .filter((f) => /\.m?js$/.test(f))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
  bench.size({ scenario: 'redirector bundle gzip bytes', ours: bytes, reference: 20 * 1024, baselineName: '20 KB budget', goal: 1.0 });
}
