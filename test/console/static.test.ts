/**
 * The UI's files, served from build/console by the assets worker's own serving code: precompressed
 * variants negotiated per request, immutable hashed files, the SPA shell only for signed-in page
 * navigations, and a real 404 (never HTML) for a missing script.
 */
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetUrl, MANIFEST_PATH, type Manifest } from '../../workers/assets/src/manifest.ts';
import { ORIGIN, signedIn } from './helpers.ts';

let manifest: Manifest;
beforeAll(async () => {
  manifest = (await (await env.ASSETS.fetch(assetUrl(MANIFEST_PATH))).json()) as Manifest;
});

const navigate = (path: string, cookie?: string) =>
  SELF.fetch(`${ORIGIN}${path}`, {
    redirect: 'manual',
    headers: { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html', ...(cookie && { Cookie: cookie }) },
  });

describe('screens', () => {
  it.each(['/links', '/links/spring-sale', '/prerender', '/feed'])(
    '%s is the UI shell for a signed-in operator, with the security headers',
    async (path) => {
      const { cookie } = await signedIn();
      const response = await navigate(path, cookie);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('Cache-Control')).toBe('no-cache');
      expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('Referrer-Policy')).toBe('same-origin');
      expect(await response.text()).toContain('<div id="app"></div>');
    },
  );

  it('/ goes to the links screen', async () => {
    const { cookie } = await signedIn();
    const response = await navigate('/', cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/links');
  });
});

describe('the UI files', () => {
  const scripts = () => Object.keys(manifest.files).filter((p) => p.endsWith('.js'));

  it('are split per screen: one chunk each for links, a link, prerender and feed, and the chart library apart', () => {
    const names = scripts().map((p) => p.split('/').pop()?.split('.')[0]);
    expect(names).toEqual(expect.arrayContaining(['index', 'links', 'link', 'prerender', 'feed', 'chart']));
  });

  it('are served without a session (they hold no data), precompressed, negotiated and immutable', async () => {
    const path = scripts().find((p) => p.includes('/index.'))!;
    const entry = manifest.files[path]!;
    expect(entry.variants.map((v) => v.encoding).sort()).toEqual(['br', 'gzip', 'identity', 'zstd']);
    const response = await SELF.fetch(`${ORIGIN}${path}`, { headers: { 'Accept-Encoding': 'gzip, br' }, encodeResponseBody: 'manual' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Encoding')).toBe('br');
    expect(response.headers.get('Vary')).toBe('Accept-Encoding');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('ETag')).toBe(entry.variants.find((v) => v.encoding === 'br')?.etag);
  });

  it('answer a missing script with a JSON 404, never the HTML shell', async () => {
    const response = await SELF.fetch(`${ORIGIN}/assets/links.NOTAHASH.js`, { headers: { 'Sec-Fetch-Dest': 'script', Accept: '*/*' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
  });

  it('include the sign-in stylesheet the sign-in page links to', async () => {
    const response = await SELF.fetch(`${ORIGIN}/signin.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/css; charset=utf-8');
  });
});
