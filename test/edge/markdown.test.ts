import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { prefersMarkdown, tokenEstimate } from '../../workers/edge/src/markdown.ts';
import type { SnapshotEntry } from '../../workers/edge/src/snapshot.ts';
import { ORIGIN, UA, admin, callEdge, get, renderCount, setMode, uniquePath } from './helpers.ts';
import { pageMarkdown } from './pages.ts';

const MARKDOWN = { Accept: 'text/markdown' };
const entryOf = (url: string, device = 'desktop') => env.PRERENDER_INDEX.get<SnapshotEntry>(`snap:${device}:${url}`, 'json');

describe('prefersMarkdown (RFC 9110 §12.5.1)', () => {
  it.each([
    ['text/markdown', true],
    ['text/markdown, text/html;q=0.9', true],
    ['text/markdown;q=0.9, text/html;q=0.9', true],
    ['text/html, text/markdown', true],
    ['text/markdown;q=1.0, */*;q=0.1', true],
    ['TEXT/MARKDOWN', true],
    ['text/html, text/markdown;q=0.5', false],
    ['text/markdown;q=0', false],
    ['text/markdown;q=0.5, */*', false],
    ['text/markdown;q=2', false],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['*/*', false],
    ['text/*', false],
    ['', false],
    [null, false],
  ])('%s -> %s', (accept, expected) => {
    expect(prefersMarkdown(accept)).toBe(expected);
  });

  it('estimates tokens at four characters each', () => {
    expect(tokenEstimate('')).toBe(0);
    expect(tokenEstimate('abcde')).toBe(2);
  });
});

describe('Markdown from the same render, to any client that asks for it', () => {
  it('answers a person (a browser UA) the Markdown, without X-Prerender, and stores it beside the HTML', async () => {
    const path = uniquePath('md-person');
    const response = await get(path, UA.chrome, { headers: MARKDOWN });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/markdown; charset=utf-8');
    expect(response.headers.get('Vary')).toMatch(/\bAccept\b/);
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(response.headers.get('Link')).toBe(`<${ORIGIN}${path}>; rel="canonical"`);
    const markdown = await response.text();
    expect(markdown).toBe(pageMarkdown(path, 'desktop'));
    expect(response.headers.get('x-markdown-tokens')).toBe(String(Math.ceil(markdown.length / 4)));

    const entry = await entryOf(`${ORIGIN}${path}`);
    expect(entry?.markdown).toMatchObject({ bytes: new TextEncoder().encode(markdown).byteLength });
    const object = await env.SNAPSHOTS.get(entry!.markdown!.r2Key);
    expect(object?.customMetadata?.hash).toBe(entry!.hash);
    expect(await object?.text()).toBe(markdown);
  });

  it('answers a crawler the Markdown with X-Prerender, from the same snapshot its HTML comes from', async () => {
    const path = uniquePath('md-bot');
    const html = await get(path, UA.googlebot);
    expect(html.headers.get('X-Prerender')).toBe('MISS');
    expect(html.headers.get('Vary')).toBe('User-Agent, Accept');
    const markdown = await get(path, UA.googlebot, { headers: MARKDOWN });
    expect([markdown.status, markdown.headers.get('X-Prerender')]).toEqual([200, 'HIT']);
    expect(markdown.headers.get('Content-Signal')).toBe(env.CONTENT_SIGNALS);
    expect(await markdown.text()).toBe(pageMarkdown(path, 'desktop'));
    expect(await renderCount(path)).toBe(1);
  });

  it('keeps browsers asking for HTML on the SPA, untouched', async () => {
    const path = uniquePath('md-browser');
    const response = await get(path, UA.chrome, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.headers.get('X-Mock')).toBe('assets');
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(await renderCount(path)).toBe(0);
  });

  it('honours q-values: HTML preferred over Markdown gets HTML', async () => {
    const path = uniquePath('md-q');
    const response = await get(path, UA.googlebot, { headers: { Accept: 'text/html, text/markdown;q=0.5' } });
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
  });

  it("gives the page's true status: a 404 is a 404, a redirect a redirect without a body", async () => {
    const gone = await get('/gone', UA.chrome, { headers: MARKDOWN });
    expect([gone.status, gone.headers.get('Content-Type')]).toEqual([404, 'text/markdown; charset=utf-8']);
    expect(await gone.text()).toBe('# Not found\n');
    const moved = await get('/old-about', UA.chrome, { headers: MARKDOWN });
    expect([moved.status, moved.headers.get('Location'), await moved.text()]).toEqual([301, `${ORIGIN}/about`, '']);
  });

  it('renders again for its Markdown a snapshot stored without one, and otherwise serves its HTML', async () => {
    const path = uniquePath('md-html-only');
    await setMode(path, 'html-only');
    await get(path, UA.googlebot);
    // A cache-only crawler cannot render: it gets the HTML snapshot rather than nothing.
    const cacheOnly = await get(path, UA.ahrefs, { headers: MARKDOWN });
    expect([cacheOnly.headers.get('X-Prerender'), cacheOnly.headers.get('Content-Type')]).toEqual(['HIT', 'text/html; charset=utf-8']);
    await setMode(path, 'ok');
    const { response, settled } = await callEdge(path, UA.googlebot, { headers: MARKDOWN });
    await settled();
    expect([response.headers.get('X-Prerender'), await response.text()]).toEqual(['MISS', pageMarkdown(path, 'desktop')]);
    expect(await renderCount(path)).toBe(2);
  });

  it('refreshes the Markdown with the page and forgets it on purge', async () => {
    const path = uniquePath('md-refresh');
    await setMode(path, 'changing');
    await get(path, UA.googlebot);
    const recache = await admin('recache', { url: `${ORIGIN}${path}`, device: 'desktop' });
    expect(recache.status).toBe(200);
    const markdown = await get(path, UA.googlebot, { headers: MARKDOWN });
    expect(await markdown.text()).toBe(pageMarkdown(path, 'desktop', ' #2'));
    const entry = await entryOf(`${ORIGIN}${path}`);
    expect((await admin('purge', { url: `${ORIGIN}${path}` })).status).toBe(200);
    expect(await env.SNAPSHOTS.head(entry!.markdown!.r2Key)).toBeNull();
  });

  it('answers from isolate memory on a hot cache, as on a cold one', async () => {
    const e = { ...env, HOT_CACHE_SECONDS: '30' } as EdgeEnv;
    const path = uniquePath('md-hot');
    await (await callEdge(path, UA.googlebot, {}, e)).settled();
    const first = (await callEdge(path, UA.googlebot, { headers: MARKDOWN }, e)).response;
    const second = (await callEdge(path, UA.googlebot, { headers: MARKDOWN }, e)).response;
    expect([first.headers.get('X-Prerender'), second.headers.get('X-Prerender')]).toEqual(['HIT', 'HIT']);
    expect(await second.text()).toBe(await first.text());
  });
});
