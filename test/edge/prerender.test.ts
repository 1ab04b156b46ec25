import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, UA, admin, callEdge, get, releaseRenders, renderCount, setMode, uniquePath } from './helpers.ts';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';

async function entryOf(url: string, device: 'mobile' | 'desktop' = 'desktop') {
  return env.PRERENDER_INDEX.get<SnapshotEntry>(`snap:${device}:${url}`, 'json');
}

describe('crawler page navigations', () => {
  it('renders on a miss (MISS), then serves the cache (HIT)', async () => {
    const path = uniquePath('miss-hit');
    const first = await get(path, UA.googlebot);
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Prerender')).toBe('MISS');
    expect(first.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(first.headers.get('Vary')).toContain('User-Agent');
    const renderedAt = first.headers.get('X-Prerender-Rendered-At');
    expect(Date.parse(renderedAt ?? '')).not.toBeNaN();
    const html = await first.text();
    expect(html).toContain(`Rendered ${path} for desktop`);
    expect(html).not.toContain('/assets/app.js');
    expect(html).not.toContain('prerenderReady');
    expect(html).toContain('application/ld+json');
    expect(html).toContain(`<!-- prerendered by edge at ${renderedAt} -->`);

    const second = await get(path, UA.googlebot);
    expect(second.headers.get('X-Prerender')).toBe('HIT');
    expect(second.headers.get('X-Prerender-Rendered-At')).toBe(renderedAt);
    expect(await second.text()).toBe(html);
    expect(await renderCount(path)).toBe(1);

    // Stored as designed: the index in KV, the body in R2 under the index's key.
    const entry = await entryOf(`${ORIGIN}${path}`);
    expect(entry).toMatchObject({ status: 200, url: `${ORIGIN}${path}`, device: 'desktop' });
    expect(await (await env.SNAPSHOTS.get(entry!.r2Key!))!.text()).toBe(html);
  });

  it('never serves an R2 body the index entry does not describe, and the re-render repairs it', async () => {
    const path = uniquePath('hash-mismatch');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    // As if a later render wrote its body and its index write did not happen.
    await env.SNAPSHOTS.put(entry.r2Key!, '<p>a newer render</p>', { customMetadata: { hash: 'f'.repeat(64) } });
    const again = await get(path, UA.googlebot);
    expect(again.headers.get('X-Prerender')).toBe('MISS');
    expect(await again.text()).not.toContain('a newer render');
    // The page rendered to the same content as the index names: its body is written back anyway.
    expect((await env.SNAPSHOTS.head(entry.r2Key!))?.customMetadata?.hash).toBe(entry.hash);
    const third = await get(path, UA.googlebot);
    expect(third.headers.get('X-Prerender')).toBe('HIT');
    expect(await third.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(2);
  });

  it('writes a lost body back on the next render instead of re-rendering on every visit', async () => {
    const path = uniquePath('lost-body');
    await get(path, UA.googlebot);
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    await env.SNAPSHOTS.delete(entry.r2Key!);
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    const hit = await get(path, UA.googlebot);
    expect(hit.headers.get('X-Prerender')).toBe('HIT');
    expect(await hit.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(2);
  });

  it('a recache writes a lost body back', async () => {
    const path = uniquePath('lost-body-recache');
    await get(path, UA.googlebot);
    await env.SNAPSHOTS.delete((await entryOf(`${ORIGIN}${path}`))!.r2Key!);
    const recache = await admin('recache', { url: `${ORIGIN}${path}`, device: 'desktop' });
    expect(await recache.json()).toMatchObject({ results: [{ outcome: 'stored', bodyWritten: true }] });
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
    expect(await renderCount(path)).toBe(2);
  });

  it('keys mobile and desktop apart', async () => {
    const path = uniquePath('device');
    expect(await (await get(path, UA.googlebotMobile)).text()).toContain('for mobile');
    expect(await (await get(path, UA.googlebot)).text()).toContain('for desktop');
    expect((await get(path, UA.googlebotMobile)).headers.get('X-Prerender')).toBe('HIT');
    expect([await renderCount(path, 'mobile'), await renderCount(path, 'desktop')]).toEqual([1, 1]);
  });

  it('keys every spelling of a page as one: trailing slash, percent-encoding, unlisted parameters, order, fragment', async () => {
    const path = uniquePath('normalise');
    expect((await get(`${path}/?utm_source=x&q=caf%c3%a9&page=2&sessionid=1#top`, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    const spellings = [
      `${path}?page=2&q=caf%C3%A9`,
      `${path}//?q=café&page=%32&fbclid=zz`,
      `${path.replace('/page/', '/p%61ge/')}?page=2&ref=mail&q=caf%c3%a9`,
      `${path}/./?page=2&q=caf%C3%A9`,
    ];
    for (const spelling of spellings) expect((await get(spelling, UA.googlebot)).headers.get('X-Prerender'), spelling).toBe('HIT');
    // The renderer was asked for the normalised URL, once.
    expect(await renderCount(`${path}?page=2&q=caf%C3%A9`)).toBe(1);
  });

  it('a parameter that is not listed never reaches the renderer or the key; a listed one does', async () => {
    const path = uniquePath('params');
    await get(`${path}?v=1`, UA.googlebot);
    expect((await get(`${path}?v=2`, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
    expect((await get(`${path}?page=2`, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    expect([await renderCount(path), await renderCount(`${path}?page=2`)]).toEqual([1, 1]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const path = uniquePath('head');
    await get(path, UA.googlebot);
    const response = await get(path, UA.googlebot, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBe('HIT');
    expect(await response.text()).toBe('');
  });

  it('shares one render between concurrent misses of the same key', async () => {
    const path = uniquePath('single-flight');
    await setMode(path, 'held');
    const calls = await Promise.all([1, 2, 3].map(() => callEdge(path, UA.googlebot)));
    // The render is held past RENDER_WAIT_MS, so all three get the shell; the one render still lands.
    expect(calls.map(({ response }) => response.headers.get('X-Prerender'))).toEqual(['FALLBACK', 'FALLBACK', 'FALLBACK']);
    await releaseRenders(path);
    await Promise.all(calls.map(({ settled }) => settled()));
    expect(await entryOf(`${ORIGIN}${path}`)).not.toBeNull();
    expect(await renderCount(path)).toBe(1);
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
  });

  it('serves a stale snapshot at once and re-renders it in the background (STALE)', async () => {
    const path = uniquePath('stale');
    await setMode(path, 'changing');
    const first = await (await get(path, UA.googlebot)).text();
    const key = `snap:desktop:${ORIGIN}${path}`;
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    await env.PRERENDER_INDEX.put(key, JSON.stringify({ ...entry, freshUntil: Date.now() - 1000 }));

    const stale = await callEdge(path, UA.googlebot);
    expect(stale.response.headers.get('X-Prerender')).toBe('STALE');
    expect(await stale.response.text()).toBe(first);
    await stale.settled();
    expect(await renderCount(path)).toBe(2);
    expect((await entryOf(`${ORIGIN}${path}`))!.freshUntil).toBeGreaterThan(Date.now());
    const fresh = await get(path, UA.googlebot);
    expect(fresh.headers.get('X-Prerender')).toBe('HIT');
    expect(await fresh.text()).toContain(' #2');
  });
});

describe('real status codes for crawlers', () => {
  it('answers the gone route with a real 404, cached as such', async () => {
    const first = await get('/gone', UA.googlebot);
    expect(first.status).toBe(404);
    expect(['MISS', 'HIT']).toContain(first.headers.get('X-Prerender'));
    expect(await first.text()).toContain('Not found');
    const second = await get('/gone', UA.googlebot);
    expect(second.status).toBe(404);
    expect(second.headers.get('X-Prerender')).toBe('HIT');
    const entry = (await entryOf(`${ORIGIN}/gone`))!;
    // Cached briefly: ERROR_FRESH_SECONDS (1 hour), not the week pages get.
    expect(entry.freshUntil - Date.parse(entry.renderedAt)).toBeLessThan(2 * 3600 * 1000);
  });

  it('answers the moved route with a real 301 to a same-site Location', async () => {
    const first = await get('/old-about', UA.googlebot);
    expect(first.status).toBe(301);
    expect(first.headers.get('Location')).toBe(`${ORIGIN}/about`);
    expect(await first.text()).toBe('');
    const second = await get('/old-about', UA.googlebot);
    expect([second.status, second.headers.get('X-Prerender'), second.headers.get('Location')]).toEqual([301, 'HIT', `${ORIGIN}/about`]);
  });

  it('never redirects off-site: a page asking for a foreign Location gets the SPA shell', async () => {
    const path = uniquePath('off-site');
    await setMode(path, 'off-site');
    const response = await get(path, UA.googlebot);
    expect(response.status).toBe(200);
    expect(response.headers.get('Location')).toBeNull();
    expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await entryOf(`${ORIGIN}${path}`)).toBeNull();
  });

  it('serves but does not cache other statuses the page declares, and does not render them again at once', async () => {
    const path = uniquePath('server-error');
    await setMode(path, 'server-error');
    const response = await get(path, UA.googlebot);
    expect([response.status, response.headers.get('X-Prerender')]).toEqual([500, 'MISS']);
    expect(await entryOf(`${ORIGIN}${path}`)).toBeNull();
    // Cooled down like a failed render: the next crawler gets the shell without a render.
    const next = await get(path, UA.googlebot);
    expect([next.status, next.headers.get('X-Prerender')]).toEqual([200, 'FALLBACK']);
    expect(await renderCount(path)).toBe(1);
  });
});

describe('FALLBACK: the renderer down, slow or crashing is never an error page', () => {
  it.each(['down', 'timeout', 'crash'] as const)('renderer %s on a miss -> the SPA shell, 200', async (mode) => {
    const path = uniquePath(`fallback-${mode}`);
    await setMode(path, mode);
    const response = await get(path, UA.googlebot);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(response.headers.get('X-Mock')).toBe('assets');
    expect(await response.text()).toContain('<div id="app"></div>');
  });

  it('does not retry a failed key for a while: the next crawler gets FALLBACK without a render', async () => {
    const path = uniquePath('cooldown');
    await setMode(path, 'down');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('FALLBACK');
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await renderCount(path)).toBe(1);
    // An operator's recache is not held back.
    await setMode(path, 'ok');
    const recache = await SELF.fetch(`${ORIGIN}/__prerender/recache`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${ORIGIN}${path}`, device: 'desktop' }),
    });
    expect(recache.status).toBe(200);
    expect((await get(path, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
  });

  it('renderer down past the stale window -> the last snapshot', async () => {
    const path = uniquePath('fallback-last');
    const html = await (await get(path, UA.googlebot)).text();
    const entry = (await entryOf(`${ORIGIN}${path}`))!;
    await env.PRERENDER_INDEX.put(`snap:desktop:${ORIGIN}${path}`, JSON.stringify({ ...entry, freshUntil: 0, staleUntil: 1 }));
    await setMode(path, 'down');
    const response = await get(path, UA.googlebot);
    expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await response.text()).toBe(html);
    expect(await renderCount(path)).toBe(2);
  });
});

describe('bot requests that are not page navigations pass through (BYPASS)', () => {
  it.each([
    ['GET', '/assets/app.3f9a.js'],
    ['GET', '/api/feed/home'],
    ['GET', '/sitemap.xml'],
    ['GET', '/.well-known/security.txt'],
    ['POST', '/api/links'],
  ])('%s %s', async (method, path) => {
    const response = await get(path, UA.googlebot, { method, body: method === 'POST' ? '{}' : undefined });
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
    expect(response.headers.get('X-Mock')).toBe('assets');
    expect(response.headers.get('X-Echo-Url')).toBe(`${ORIGIN}${path}`);
  });

  it('keeps the asset response as it was (immutable caching intact)', async () => {
    const response = await get('/assets/app.3f9a.js', UA.googlebot);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe('console.log(1)');
  });
});

describe('every origin of the site is the same site (SITE_ORIGINS lists localhost, 127.0.0.1 and [::1])', () => {
  const ALIASES = ['http://127.0.0.1:8787', 'http://[::1]:8787'];

  it('a crawler on 127.0.0.1 or [::1] gets HIT for a page a crawler on localhost caused to be rendered', async () => {
    const path = uniquePath('alias-hit');
    expect((await get(`${ORIGIN}${path}`, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    for (const origin of ALIASES) {
      const response = await get(`${origin}${path}`, UA.googlebot);
      expect(response.headers.get('X-Prerender'), origin).toBe('HIT');
      expect(await response.text()).toContain(`Rendered ${path} for desktop`);
    }
    expect(await renderCount(path)).toBe(1);
  });

  it('a miss on an alias renders and caches the canonical URL', async () => {
    const path = uniquePath('alias-miss');
    expect((await get(`http://[::1]:8787${path}`, UA.googlebot)).headers.get('X-Prerender')).toBe('MISS');
    expect([await renderCount(path), await renderCount(`http://[::1]:8787${path}`)]).toEqual([1, 0]);
    expect(await entryOf(`${ORIGIN}${path}`)).not.toBeNull();
    expect((await get(`${ORIGIN}${path}`, UA.googlebot)).headers.get('X-Prerender')).toBe('HIT');
  });

  it('a redirect answered on an alias points at the canonical origin', async () => {
    const response = await get('http://127.0.0.1:8787/old-about', UA.googlebot);
    expect([response.status, response.headers.get('Location')]).toEqual([301, `${ORIGIN}/about`]);
  });

  it.each(['http://127.0.0.2:8787', 'http://localhost:8788', 'https://localhost:8787'])(
    'an unlisted origin (%s) gets no render',
    async (origin) => {
      const path = uniquePath('unlisted');
      const response = await get(`${origin}${path}`, UA.googlebot);
      expect(response.headers.get('X-Prerender')).toBe('BYPASS');
      expect([await renderCount(path), await renderCount(`${origin}${path}`)]).toEqual([0, 0]);
      expect(await entryOf(`${ORIGIN}${path}`)).toBeNull();
    },
  );
});

describe('only our own site: Host and X-Forwarded-Host cannot pick another one', () => {
  it('a crawler request for a foreign host is passed through, never rendered or cached', async () => {
    const response = await get('https://evil.example/page/poison', UA.googlebot);
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
    expect(await renderCount('https://evil.example/page/poison')).toBe(0);
    expect(await env.PRERENDER_INDEX.get('snap:desktop:https://evil.example/page/poison')).toBeNull();
  });

  it('X-Forwarded-Host is ignored: the render and the cache key stay on our origin', async () => {
    const path = uniquePath('xfh');
    const response = await get(path, UA.googlebot, { headers: { 'X-Forwarded-Host': 'evil.example', Host: 'evil.example' } });
    expect(response.headers.get('X-Prerender')).toBe('MISS');
    expect(await renderCount(path)).toBe(1);
    expect(await renderCount(`https://evil.example${path}`)).toBe(0);
  });
});
