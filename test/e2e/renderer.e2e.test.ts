import { describe, expect, it } from 'vitest';

// The renderer in the local stack: its real Browser Rendering binding (the packaged Chromium through
// the shim scripts/start.mjs sets up) rendering the demo SPA served by the edge. The renderer is
// reached on 127.0.0.1; the pages it renders are on the site's origin (SITE_ORIGINS).
const RENDERER = 'http://127.0.0.1:8792';
const EDGE = 'http://localhost:8787';
const RENDER_TOKEN = process.env.RENDER_TOKEN ?? 'dev-render-token'; // .dev.vars.example

const render = (url: string, device: 'mobile' | 'desktop', token = RENDER_TOKEN) =>
  fetch(`${RENDERER}/render`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, device }),
  });

describe('renderer in the local stack', () => {
  it('renders the SPA article that only JavaScript fills in, as a human page of the edge', async () => {
    const response = await render(`${EDGE}/article/1`, 'mobile');
    expect(response.status).toBe(200);
    const result = (await response.json()) as {
      html: string;
      status: number;
      headers: Record<string, string>;
      timings: { totalMs: number };
    };
    expect(result.status).toBe(200);
    expect(result.html).toContain('data-article-id="1"');
    expect(result.html).not.toContain('Loading…');
    // The edge served the render the SPA (X-Prerender-Render: 1), not a snapshot of itself.
    expect(result.html).not.toContain('<!-- prerendered by edge');
  });

  it("turns the SPA's prerender metas into the status and Location of the gone and moved routes", async () => {
    const gone = (await (await render(`${EDGE}/gone`, 'desktop')).json()) as { status: number };
    expect(gone.status).toBe(404);
    const moved = (await (await render(`${EDGE}/old-about`, 'desktop')).json()) as { status: number; headers: Record<string, string> };
    expect(moved.status).toBe(301);
    expect(new URL(moved.headers.Location!).pathname).toBe('/about');
  });

  it('refuses other origins and callers without the token', async () => {
    expect((await render('http://localhost:8791/api/feed/home', 'desktop')).status).toBe(403);
    expect((await render(`${EDGE}/article/1`, 'desktop', 'wrong-token')).status).toBe(401);
  });
});
