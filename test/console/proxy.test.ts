/**
 * Each operator API through the console to its owner's `OperatorApi` entrypoint (a stand-in here),
 * and what the browser gets when an owner is down, refuses the console, or answers garbage: a clear
 * JSON error naming the owner, never a 5xx with the owner's insides, never a blank.
 */
import { describe, expect, it } from 'vitest';
import { breakerStats } from '../../shared/operator/breaker.ts';
import { clickStats } from '../../shared/operator/clicks.ts';
import { importResult, linkPage, linkView } from '../../shared/operator/links.ts';
import { prerenderStats, snapshotList } from '../../shared/operator/prerender.ts';
import { isolateFetch, ORIGIN, signedIn, standIn, type ErrorAnswer, type Owner } from './helpers.ts';

describe('reads, validated against the shared contract', () => {
  it.each([
    ['/api/links?q=sale&limit=10', 'shortener', linkPage, '/api/links?q=sale&limit=10'],
    ['/api/links/spring-sale', 'shortener', linkView, '/api/links/spring-sale'],
    ['/api/links/spring-sale/clicks?range=7d&bucket=day', 'shortener', clickStats, '/api/links/spring-sale/clicks?range=7d&bucket=day'],
    ['/api/links/spring-sale/clicks', 'shortener', clickStats, '/api/links/spring-sale/clicks?range=24h'],
    ['/__prerender/stats?range=30d', 'edge', prerenderStats, '/__prerender/stats?range=30d'],
    [
      '/__prerender/snapshots?prefix=http%3A%2F%2Flocalhost%3A8787%2Farticle%2F',
      'edge',
      snapshotList,
      '/__prerender/snapshots?prefix=http%3A%2F%2Flocalhost%3A8787%2Farticle%2F',
    ],
    ['/api/feed/_stats?range=24h&bucket=hour', 'feed', breakerStats, '/api/feed/_stats?range=24h&bucket=hour'],
  ] as const)('GET %s reaches the %s at %s', async (path, owner, schema, forwarded) => {
    const client = await signedIn();
    const response = await client.fetch(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(schema.safeParse(await response.json()).success).toBe(true);
    const seen = await standIn(owner as Owner).seen();
    expect(seen).toEqual([expect.objectContaining({ method: 'GET', path: forwarded, operator: 'local' })]);
  });

  it('forwards only the query parameters a call knows, and never the browser cookie', async () => {
    const client = await signedIn();
    await client.fetch('/api/links?q=docs&debug=1&__proto__=x');
    const [seen] = await standIn('shortener').seen();
    expect(seen?.path).toBe('/api/links?q=docs');
    expect(JSON.stringify(seen)).not.toContain('console_session');
  });
});

describe('bad input, answered by the console with the field', () => {
  it.each([
    ['/api/links/spring-sale/clicks?range=1y', 'range'],
    ['/api/links/spring-sale/clicks?bucket=minute', 'bucket'],
    ['/__prerender/stats?range=forever', 'range'],
    ['/api/feed/_stats?bucket=week', 'bucket'],
    ['/api/links/spring-sale/qr?format=gif', 'format'],
    ['/api/links?limit=lots', 'limit'],
    ['/api/links/not%20a%20code', 'code'],
  ])('GET %s: 400 naming %s, nothing forwarded', async (path, field) => {
    const client = await signedIn();
    const response = await client.fetch(path);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorAnswer).error.field).toBe(field);
    for (const owner of ['shortener', 'edge', 'feed'] as const) expect(await standIn(owner).seen()).toEqual([]);
  });

  it('answers a method the API does not have with 405 and Allow', async () => {
    const client = await signedIn();
    const response = await client.fetch('/__prerender/stats', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET');
  });

  it('answers an API path no owner serves with a JSON 404', async () => {
    const client = await signedIn();
    const response = await client.fetch('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorAnswer).error.code).toBe('not_found');
  });

  it('refuses a body over the limit with 413 before the owner sees it', async () => {
    const client = await signedIn();
    const response = await client.fetch('/api/links', { method: 'POST', json: { url: `https://example.com/${'a'.repeat(70_000)}` } });
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorAnswer).error.field).toBe('body');
    expect(await standIn('shortener').seen()).toEqual([]);
  });
});

describe('writes', () => {
  it('creates a link and passes the owner’s own refusal through with its field (slug taken, invalid URL)', async () => {
    const client = await signedIn();
    const created = await client.fetch('/api/links', {
      method: 'POST',
      json: { url: 'https://example.com/x', slug: 'my-slug', status: 302 },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ code: 'my-slug', status: 302 });

    const taken = await client.fetch('/api/links', { method: 'POST', json: { url: 'https://example.com/y', slug: 'my-slug' } });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as ErrorAnswer).error).toEqual({
      code: 'slug_taken',
      message: 'slug "my-slug" is already taken',
      field: 'slug',
    });

    const invalid = await client.fetch('/api/links', { method: 'POST', json: { url: 'javascript:alert(1)' } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as ErrorAnswer).error.field).toBe('url');
  });

  it('edits and deletes', async () => {
    const client = await signedIn();
    const edited = await client.fetch('/api/links/docs-home', { method: 'PATCH', json: { title: 'The docs' } });
    expect(await edited.json()).toMatchObject({ code: 'docs-home', title: 'The docs' });
    const deleted = await client.fetch('/api/links/docs-home', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await client.fetch('/api/links/docs-home')).status).toBe(404);
  });

  it('uploads a CSV import as text/csv and shows one result per row, a malformed row with its line', async () => {
    const client = await signedIn();
    const csv = 'url,slug,status,title,expiresAt\nhttps://example.com/one,one-1,,,\nnot a url,,,,\nhttps://example.com/two,,302,Two,\n';
    const upload = async () => {
      const response = await client.fetch('/api/links.csv', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: csv });
      expect(response.status).toBe(200);
      return importResult.parse(await response.json()).results;
    };
    const first = await upload();
    expect(first.map((r) => [r.line, r.status, r.replayed ?? false])).toEqual([
      [2, 201, false],
      [3, 400, false],
      [4, 201, false],
    ]);
    expect(first[1]?.error).toMatchObject({ field: 'url', message: expect.stringMatching(/^line 3: /) });
    const [seen] = await standIn('shortener').seen();
    expect(seen).toMatchObject({ path: '/api/links.csv', contentType: 'text/csv', body: csv });

    const again = await upload();
    expect(again.map((r) => [r.line, r.status, r.replayed ?? false])).toEqual([
      [2, 201, true],
      [3, 400, false],
      [4, 201, true],
    ]);
  });

  it('exports CSV as a download, of the links matching the search', async () => {
    const client = await signedIn();
    const response = await client.fetch('/api/links.csv?q=docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="links.csv"');
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toBe('url,slug,status,title,expiresAt');
    expect(lines.slice(1)).toEqual(['https://docs.example.com/,docs-home,301,Documentation,']);
    expect((await standIn('shortener').seen())[0]?.path).toBe('/api/links.csv?q=docs');
  });

  it('serves QR codes as SVG and PNG, sandboxed so an SVG opened on its own runs nothing', async () => {
    const client = await signedIn();
    const svg = await client.fetch('/api/links/spring-sale/qr?format=svg');
    expect(svg.headers.get('Content-Type')).toBe('image/svg+xml');
    expect(svg.headers.get('Content-Security-Policy')).toContain('sandbox');
    expect(svg.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(await svg.text()).toMatch(/^<svg /);
    const png = await client.fetch('/api/links/spring-sale/qr?format=png&size=512');
    expect(png.headers.get('Content-Type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect((await standIn('shortener').seen()).map((s) => s.path)).toEqual([
      '/api/links/spring-sale/qr?format=svg',
      '/api/links/spring-sale/qr?format=png&size=512',
    ]);
  });
});

describe('an owner that fails', () => {
  const ownerOf: Array<[Owner, string]> = [
    ['shortener', '/api/links'],
    ['edge', '/__prerender/stats'],
    ['feed', '/api/feed/_stats'],
  ];

  it.each(ownerOf)('the %s down (not running): 503 owner_down naming it, JSON, nothing of its answer', async (owner, path) => {
    await standIn(owner).mode('down');
    const client = await signedIn();
    const response = await client.fetch(path);
    expect(response.status).toBe(503);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(response.headers.get('X-Console-Owner')).toBe(owner);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'owner_down', message: expect.stringContaining(`the ${owner} is down`) } });
    expect(text).not.toContain('Make sure it is running');
  });

  it.each(ownerOf)('the %s throwing: 503 owner_down, no stack trace', async (owner, path) => {
    await standIn(owner).mode('throw');
    const client = await signedIn();
    const response = await client.fetch(path);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).toContain('owner_down');
    expect(text).not.toContain('stack');
    expect(text).not.toContain('stand-in crashed');
  });

  it.each(ownerOf)('the %s answering garbage: 502 owner_invalid, with what was wrong and none of it passed on', async (owner, path) => {
    await standIn(owner).mode('garbage');
    const client = await signedIn();
    const response = await client.fetch(path);
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'owner_invalid', message: expect.stringContaining(`the ${owner} answered`) } });
    expect(text).not.toContain('totally');
  });

  it('a JSON answer of the wrong shape is refused, naming the field that broke the contract', async () => {
    await standIn('shortener').mode('wrong-shape');
    const client = await signedIn();
    const response = await client.fetch('/api/links/spring-sale/clicks');
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as ErrorAnswer;
    expect(error.code).toBe('owner_invalid');
    expect(error.message).toMatch(/does not match the contract \(code: /);
    expect(error.message).not.toContain('totally');
  });

  it('an owner refusing the console (401: no OperatorApi entrypoint) is not taken for an expired session', async () => {
    await standIn('edge').mode('refuse');
    const client = await signedIn();
    const response = await client.fetch('/__prerender/stats');
    expect(response.status).toBe(502);
    expect(((await response.json()) as ErrorAnswer).error.code).toBe('owner_refused');
  });

  it('an owner that never answers is down once OWNER_TIMEOUT_MS has passed', async () => {
    await standIn('feed').mode('hang');
    const client = await signedIn();
    const response = await isolateFetch({ OWNER_TIMEOUT_MS: '50' }, `${ORIGIN}/api/feed/_stats`, { headers: { Cookie: client.cookie } });
    expect(response.status).toBe(503);
    expect(((await response.json()) as ErrorAnswer).error.message).toContain('no answer within 0.05 s');
  });

  it('one owner down leaves the others answering', async () => {
    await standIn('edge').mode('down');
    const client = await signedIn();
    expect((await client.fetch('/__prerender/stats')).status).toBe(503);
    expect((await client.fetch('/api/links')).status).toBe(200);
    expect((await client.fetch('/api/feed/_stats')).status).toBe(200);
  });
});
