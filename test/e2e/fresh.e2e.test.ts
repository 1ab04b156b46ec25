import { describe, expect, it } from 'vitest';

// Render only what changed, across the local stack with the real renderer (headless Chromium): the
// demo SPA reads its articles from the demo content API (on 8793, forwarded by the edge under
// /_content/), the renderer records those reads as the pages' data dependencies, and a refresh pass
// revalidates them with conditional requests.
const EDGE = 'http://localhost:8787';
const CONTENT = 'http://127.0.0.1:8793';
const ADMIN_TOKEN = process.env.EDGE_ADMIN_TOKEN ?? 'dev-admin-token'; // .dev.vars.example
const GOOGLEBOT =
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36';
const ARTICLES = [21, 22, 23];
const EDITED = 22;

/**
 * `wrangler dev`'s proxy worker answers a POST whose forwarding to the worker failed (a pooled
 * keep-alive connection inside the dev proxy closing just as the request goes out) with its own 503
 * "Your worker restarted mid-request", and retries only GET and HEAD by itself. Such an answer
 * never came from the edge, so the request is sent once more; any other answer is the edge's.
 */
const DEV_PROXY_RETRY = /^Your worker restarted mid-request/;

async function admin(path: string, body?: unknown): Promise<Response> {
  const send = () =>
    fetch(`${EDGE}/__prerender/${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const response = await send();
  if (response.status !== 503 || !DEV_PROXY_RETRY.test(await response.clone().text())) return response;
  console.warn(`[fresh e2e] wrangler dev's proxy dropped POST /__prerender/${path} (503); sending it again`);
  return send();
}

async function snapshot(id: number): Promise<{ state: string | null; renderedAt: string | null; html: string }> {
  const response = await fetch(`${EDGE}/article/${id}`, { headers: { 'User-Agent': GOOGLEBOT }, redirect: 'manual' });
  return {
    state: response.headers.get('X-Prerender'),
    renderedAt: response.headers.get('X-Prerender-Rendered-At'),
    html: await response.text(),
  };
}

describe('the refresh pass over the demo content API', () => {
  it('answers articles with validators and 304 on a conditional request; refuses a bad edit with a clear 4xx', async () => {
    const first = await fetch(`${CONTENT}/_content/article/21`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"/);
    expect(first.headers.get('Last-Modified')).not.toBeNull();
    expect(await first.json()).toMatchObject({ id: 21, title: expect.any(String), body: expect.any(String) });
    expect((await fetch(`${CONTENT}/_content/article/21`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
    // Through the edge, on the site's own origin, the same.
    expect((await fetch(`${EDGE}/_content/article/21`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);

    for (const [body, field] of [
      [{ article: 21 }, 'title'],
      [{ article: 'x', title: 'T' }, 'article'],
      [{ article: 21, title: '' }, 'title'],
      [{ article: 21, title: 'T', extra: 1 }, 'extra'],
    ] as const) {
      const response = await fetch(`${CONTENT}/_content`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_body', field } });
    }
    const unknown = await fetch(`${CONTENT}/_content`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ article: 99999, title: 'T' }),
    });
    expect(unknown.status).toBe(404);
  });

  it('after an edit of one article, a pass re-renders only that article; the others are revalidated without a render', async () => {
    for (const id of ARTICLES) {
      const recache = await admin('recache', { url: `${EDGE}/article/${id}`, device: 'desktop' });
      expect(recache.status, await recache.clone().text()).toBe(200);
    }
    // A pass first, so what other tests left behind (purged pages at the front) is done with.
    expect((await admin('refresh')).status).toBe(200);
    const before = new Map<number, Awaited<ReturnType<typeof snapshot>>>();
    for (const id of ARTICLES) before.set(id, await snapshot(id));
    for (const id of ARTICLES) expect(before.get(id)?.state, `article ${id}`).toBe('HIT');

    const title = `Edited at ${new Date().toISOString()}`;
    const edit = await fetch(`${CONTENT}/_content`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ article: EDITED, title }),
    });
    expect(edit.status).toBe(200);
    expect(before.get(EDITED)?.html).not.toContain(title);

    const pass = await admin('refresh');
    expect(pass.status).toBe(200);
    const report = (await pass.json()) as { checked: number; revalidated: number; rerendered: number; unchanged: number; failed: number };
    expect(report).toMatchObject({ rerendered: 1, failed: 0 });
    expect(report.revalidated).toBeGreaterThanOrEqual(ARTICLES.length);

    const edited = await snapshot(EDITED);
    expect(edited.state).toBe('HIT');
    expect(edited.html).toContain(`<h1>${title}</h1>`);
    expect(edited.renderedAt).not.toBe(before.get(EDITED)?.renderedAt);
    for (const id of ARTICLES.filter((a) => a !== EDITED)) {
      const after = await snapshot(id);
      expect(after.renderedAt, `article ${id}`).toBe(before.get(id)?.renderedAt);
      expect(after.html).not.toContain(title);
    }
  });
});
