// Short links: the redirector's hot path against a bare worker answering a constant 301, and the
// redirector's deploy bundle against its 20 KB gzip budget.
//
// The hot link is in KV; the redirector keeps a record it read in the last 5 s (FRESH_MS) in isolate
// memory, so under load most requests are answered without KV I/O, as a popular link would be in
// production. Every request still classifies the client and counts the click (Analytics Engine, and
// batched counters in the shortener's LinkAuthority object, both in waitUntil).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** @param {import('../lib.mjs').Bench} bench */
export default async function links(bench) {
  // The shortener runs beside the redirector: its Durable Object is the redirector's authority and
  // click counter. The hot link is seeded the way the shortener writes it: claimed in the authority,
  // then copied to KV (the harness gives secrets only to the first worker, so not through the API).
  const redirector = await bench.start('redirector', { also: ['shortener'] });
  const at = new Date().toISOString();
  const record = {
    code: 'hot-link',
    url: 'https://example.com/landing?campaign=bench',
    status: 301,
    appendQuery: true,
    immutable: false,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  // Miniflare types the namespace by its own Request types; this is the object's RPC surface.
  const authority = /** @type {{ get(id: unknown): { claim(r: typeof record): Promise<unknown> }, idFromName(name: string): unknown }} */ (
    /** @type {unknown} */ (await redirector.mf.getDurableObjectNamespace('LINK_AUTHORITY', 'shortener'))
  );
  const claimed = await authority.get(authority.idFromName(record.code)).claim(record);
  if (claimed === null) throw new Error('links bench: could not claim the hot link');
  const kv = /** @type {{ put(key: string, value: string): Promise<void> }} */ (
    /** @type {unknown} */ (await redirector.mf.getKVNamespace('LINKS', 'redirector'))
  );
  await kv.put(`link:${record.code}`, JSON.stringify(record));

  const base = await bench.baseline({
    status: 301,
    headers: { Location: 'https://example.com/landing?campaign=bench', 'Cache-Control': 'public, max-age=86400' },
  });
  await bench.compare({
    scenario: 'redirector: hot link (KV hit, 5 s isolate memory)',
    request: {
      url: `${redirector.url}/hot-link`,
      method: 'GET',
      headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' },
    },
    baselineName: 'bare worker: constant 301',
    baseline: { url: `${base.url}/` },
    goal: 0.9,
    expectStatus: 301,
  });

  const outdir = bench.bundle('redirector');
  const bytes = readdirSync(outdir)
    .filter((f) => /\.m?js$/.test(f))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
  bench.size({ scenario: 'redirector bundle gzip bytes', ours: bytes, reference: 20 * 1024, baselineName: '20 KB budget', goal: 1.0 });
}
