import { describe, expect, it } from 'vitest';
import { UA, get, renderCount, uniquePath } from './helpers.ts';

describe('humans go to assets untouched', () => {
  it.each([
    ['Chrome', UA.chrome],
    ['Instagram in-app browser', UA.instagram],
  ])('%s gets the SPA, never a snapshot, never X-Prerender', async (_label, userAgent) => {
    const path = uniquePath('human');
    const response = await get(`${path}?utm_source=mail`, userAgent, { headers: { Cookie: 'session=abc' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(response.headers.get('X-Mock')).toBe('assets');
    // Untouched: same URL (tracking parameters included), same User-Agent, cookies forwarded.
    expect(response.headers.get('X-Echo-Url')).toBe(`http://localhost:8787${path}?utm_source=mail`);
    expect(response.headers.get('X-Echo-User-Agent')).toBe(userAgent);
    expect(response.headers.get('X-Echo-Cookie')).toBe('session=abc');
    expect(await response.text()).toContain('<div id="app"></div>');
    expect(await renderCount(path)).toBe(0);
  });

  it('passes a human POST to an API untouched', async () => {
    const response = await get('/api/links', UA.chrome, { method: 'POST', body: '{}' });
    expect(response.headers.get('X-Echo-Method')).toBe('POST');
    expect(response.headers.get('X-Prerender')).toBeNull();
  });

  it("sends the renderer's own page loads to assets as a human (no render loop)", async () => {
    const path = uniquePath('render-loop');
    const response = await get(path, UA.renderer, { headers: { 'X-Prerender-Render': '1' } });
    expect(response.headers.get('X-Prerender')).toBeNull();
    expect(response.headers.get('X-Echo-Render')).toBe('1');
    expect(await response.text()).toContain('<div id="app"></div>');
    expect(await renderCount(path)).toBe(0);
  });
});
