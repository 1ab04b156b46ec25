import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, UA, admin, callEdge, get, releaseRenders, renderArrived, renderCount, setMode, uniquePath } from './helpers.ts';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';

const entryOf = (url: string, device = 'desktop') => env.PRERENDER_INDEX.get<SnapshotEntry>(`snap:${device}:${url}`, 'json');

describe('admin API: authentication and input', () => {
  it.each([
    ['no token', undefined, 'Bearer'],
    ['a wrong token', 'test-admin-tokeN', 'Bearer error="invalid_token"'],
  ])('refuses %s with 401', async (_label, token, challenge) => {
    const response = token === undefined ? await fetchWithoutAuth() : await admin('purge', { url: `${ORIGIN}/` }, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe(challenge);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it.each([
    ['not JSON', 'nope', 'invalid_json', 'body'],
    ['neither url nor prefix', {}, 'invalid_body', 'body'],
    ['both url and prefix', { url: `${ORIGIN}/a`, prefix: `${ORIGIN}/` }, 'invalid_body', 'body'],
    ['an unknown field', { url: `${ORIGIN}/a`, force: true }, 'invalid_body', 'force'],
    ['a bad device', { url: `${ORIGIN}/a`, device: 'tablet' }, 'invalid_body', 'device'],
    ['another site', { url: 'https://evil.example/a' }, 'invalid_url', 'url'],
    ['a relative url', { url: '/a' }, 'invalid_url', 'url'],
    ['another site as prefix', { prefix: 'http://169.254.169.254/' }, 'invalid_url', 'prefix'],
  ])('answers %s with 400 naming the problem', async (_label, body, code, field) => {
    const response = await admin('recache', body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { code: string; field?: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.field).toBe(field);
    expect(json.error.message).not.toMatch(/^(\w+: )?Invalid input$/); // says what was wrong
  });

  it('answers 405 with Allow for other methods', async () => {
    const response = await get('/__prerender/purge', UA.curl);
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('POST');
  });
});

describe('admin API: X-Prerender, as on every bot response', () => {
  it.each([
    ['an answer', () => admin('purge', { url: `${ORIGIN}/nothing-here` })],
    ['a refusal', () => admin('purge', { url: `${ORIGIN}/` }, 'wrong')],
    ['an unknown route', () => get('/__prerender/unknown', UA.googlebot)],
  ])('a bot (curl, Googlebot) gets X-Prerender: BYPASS on %s', async (_label, call) => {
    expect((await call()).headers.get('X-Prerender')).toBe('BYPASS');
  });

  it('a human never gets it', async () => {
    const response = await get('/__prerender/purge', UA.chrome, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${ORIGIN}/nothing-here` }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
  });
});

function fetchWithoutAuth() {
  return get('/__prerender/purge', UA.curl, { method: 'POST', body: JSON.stringify({ url: `${ORIGIN}/` }) });
}

describe('recache', () => {
  it('re-renders a URL for both devices, and does not rewrite R2 when the page is unchanged', async () => {
    const path = uniquePath('recache');
    await get(path, UA.googlebot);
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    const before = await env.SNAPSHOTS.head(entry.r2Key!);

    const response = await admin('recache', { url: `${ORIGIN}${path}?utm_campaign=x` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      url: string;
      results: Array<{ device: string; bodyWritten: boolean; hash: string }>;
      ops: Record<string, number>;
    };
    expect(body.url).toBe(`${ORIGIN}${path}`);
    expect(body.results.map((r) => [r.device, r.bodyWritten])).toEqual([
      ['mobile', true],
      ['desktop', false],
    ]);
    expect(body.results[1]!.hash).toBe(entry.hash);
    // The new mobile snapshot: its HTML and its Markdown; the unchanged desktop one: nothing.
    expect(body.ops).toMatchObject({ r2Writes: 2, kvWrites: 2 });
    const after = await env.SNAPSHOTS.head(entry.r2Key!);
    expect(after!.uploaded.getTime()).toBe(before!.uploaded.getTime());
    expect((await entryOf(`${ORIGIN}${path}`))!.renderedAt).not.toBe(entry.renderedAt);
    expect(await renderCount(path)).toBe(2);
  });

  it('rewrites R2 when the page changed', async () => {
    const path = uniquePath('recache-changed');
    await setMode(path, 'changing');
    await get(path, UA.googlebot);
    const response = await admin('recache', { url: `${ORIGIN}${path}`, device: 'desktop' });
    const body = (await response.json()) as { results: Array<{ bodyWritten: boolean }> };
    expect(body.results.map((r) => r.bodyWritten)).toEqual([true]);
    expect(await (await get(path, UA.googlebot)).text()).toContain(' #2');
  });

  it('answers 502 when the renderer fails for every device', async () => {
    const path = uniquePath('recache-down');
    await setMode(path, 'down');
    const response = await admin('recache', { url: `${ORIGIN}${path}` });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'render_failed' } });
  });

  it('re-renders every cached page under a prefix in the background (202)', async () => {
    const base = uniquePath('recache-prefix');
    await get(`${base}/a`, UA.googlebot);
    await get(`${base}/b`, UA.googlebotMobile);
    await get(`${base}-other`, UA.googlebot);
    // The prefix given on an alias origin, with an escaped character: the same prefix.
    const { response, settled } = await callEdge('http://127.0.0.1:8787/__prerender/recache', UA.curl, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ prefix: `http://127.0.0.1:8787${base.replace('/page/', '/p%61ge/')}/` }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ prefix: `${ORIGIN}${base}/`, queued: 2 });
    await settled();
    expect([await renderCount(`${base}/a`), await renderCount(`${base}/b`, 'mobile'), await renderCount(`${base}-other`)]).toEqual([
      2, 2, 1,
    ]);
  });
});

describe('purge', () => {
  it('removes a URL for both devices (index and body); the next crawler misses', async () => {
    const path = uniquePath('purge');
    await get(path, UA.googlebot);
    await get(path, UA.googlebotMobile);
    const r2Key = (await entryOf(`${ORIGIN}${path}`))!.r2Key!;
    const response = await admin('purge', { url: `${ORIGIN}${path}` });
    expect(await response.json()).toEqual({ url: `${ORIGIN}${path}`, purged: 2 });
    expect(await entryOf(`${ORIGIN}${path}`)).toBeNull();
    expect(await env.SNAPSHOTS.head(r2Key)).toBeNull();
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
  });

  it('removes everything under a prefix and nothing else', async () => {
    const base = uniquePath('purge-prefix');
    await get(`${base}/a`, UA.googlebot);
    await get(`${base}/b?x=1`, UA.googlebot);
    await get(`${base}-keep`, UA.googlebot);
    const response = await admin('purge', { prefix: `${ORIGIN}${base}/` });
    expect(await response.json()).toEqual({ prefix: `${ORIGIN}${base}/`, purged: 2 });
    expect(await entryOf(`${ORIGIN}${base}-keep`)).not.toBeNull();
    expect(await entryOf(`${ORIGIN}${base}/a`)).toBeNull();
  });
});

describe('purge racing a render', () => {
  it('a render that finishes after a purge leaves a whole snapshot, never an index entry without its body', async () => {
    const path = uniquePath('purge-race');
    await get(path, UA.googlebot);
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    await env.PRERENDER_INDEX.put(`snap:desktop:${ORIGIN}${path}`, JSON.stringify({ ...entry, freshUntil: Date.now() - 1000 }));
    await setMode(path, 'held');

    // A crawler gets the stale snapshot; its background re-render (same content) is under way ...
    const stale = await callEdge(path, UA.googlebot);
    expect(stale.response.headers.get('X-Prerender')).toBe('STALE');
    await renderArrived(path);
    // ... when an operator purges the page.
    expect(await (await admin('purge', { url: `${ORIGIN}${path}` })).json()).toMatchObject({ purged: 1 });
    await releaseRenders(path);
    await stale.settled();

    // The render wrote its index entry and the body that entry names.
    const after = (await entryOf(`${ORIGIN}${path}`))!;
    expect((await env.SNAPSHOTS.head(after.r2Key!))?.customMetadata?.hash).toBe(after.hash);
    const hit = await get(path, UA.googlebot);
    expect(hit.headers.get('X-Prerender')).toBe('HIT');
    expect(await hit.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(2);
  });
});
