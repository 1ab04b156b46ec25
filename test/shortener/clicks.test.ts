// The click store of the shortener: the queue consumer rolls the redirector's events up in D1, and
// GET /api/links/<code>/clicks answers the operator contract from it.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RollupMessage } from '../../shared/events/message.ts';
import { clickStats } from '../../shared/operator/clicks.ts';
import worker from '../../workers/shortener/src/index.ts';
import { api, type ErrorJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = ''] = tokens(57, 1);
const minute = Math.floor(Date.now() / 60_000);

async function deliver(id: string, body: RollupMessage) {
  const batch = createMessageBatch('link-clicks', [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe('GET /api/links/<code>/clicks', () => {
  it('answers kinds over time, totals, referrers, countries and QR scans, each message counted once', async () => {
    const { code } = await (await api(A, 'POST', '/api/links', { url: 'https://example.com/charted' })).json<{ code: string }>();
    const body: RollupMessage = {
      v: 1,
      stream: 'clicks',
      minute,
      rows: [
        [code, 'human', 5],
        [code, 'bot', 3],
        [code, 'scanner', 2],
        [code, 'ref:news.example', 4],
        [code, 'ref:mail.example', 1],
        [code, 'country:DE', 5],
        [code, 'src:qr', 2],
      ],
    };
    expect((await deliver('m-1', body)).ackAll).toBe(true);
    await deliver('m-1', body); // redelivered: counted once
    const res = await api(A, 'GET', `/api/links/${code}/clicks?bucket=hour`);
    expect(res.status).toBe(200);
    const stats = clickStats.parse(await res.json());
    expect(stats).toMatchObject({
      code,
      bucket: 'hour',
      totals: { human: 5, bot: 3, preview: 0, scanner: 2, head: 0 },
      referrers: [
        { name: 'news.example', n: 4 },
        { name: 'mail.example', n: 1 },
      ],
      countries: [{ name: 'DE', n: 5 }],
      qrScans: 2,
    });
    expect(stats.series).toHaveLength(24);
    expect(stats.series.at(-1)).toMatchObject({ human: 5, bot: 3, scanner: 2 });
    const link = await (await api(A, 'GET', `/api/links/${code}`)).json<{ clicks: Record<string, number> }>();
    expect(link.clicks).toEqual({ human: 5, bot: 3, preview: 0, scanner: 2, head: 0 });
    const week = clickStats.parse(await (await api(A, 'GET', `/api/links/${code}/clicks?range=30d`)).json());
    expect(week.bucket).toBe('day');
  });

  it('keeps a deleted link’s history; 404 for a code nobody owns; 400 for a bad range', async () => {
    const { code } = await (await api(A, 'POST', '/api/links', { url: 'https://example.com/history' })).json<{ code: string }>();
    await api(A, 'DELETE', `/api/links/${code}`);
    expect((await api(A, 'GET', `/api/links/${code}/clicks`)).status).toBe(200);
    expect((await api(A, 'GET', '/api/links/nobody-here/clicks')).status).toBe(404);
    const bad = await api(A, 'GET', `/api/links/${code}/clicks?range=1y`);
    expect(bad.status).toBe(400);
    expect((await bad.json<ErrorJson>()).error.field).toBe('range');
  });

  it('answers 503 when the click store is down, and the link itself without its counts', async () => {
    const { code } = await (await api(A, 'POST', '/api/links', { url: 'https://example.com/store-down' })).json<{ code: string }>();
    const broken = {
      prepare() {
        throw new Error('D1_ERROR: database unavailable');
      },
      batch() {
        return Promise.reject(new Error('D1_ERROR: database unavailable'));
      },
    } as unknown as D1Database;
    const request = (path: string) => new Request(`https://shortener.test${path}`, { headers: { Authorization: `Bearer ${A}` } });
    const stats = await worker.fetch(request(`/api/links/${code}/clicks`), { ...env, LINK_STATS: broken }, createExecutionContext());
    expect(stats.status).toBe(503);
    expect(Number(stats.headers.get('Retry-After'))).toBeGreaterThan(0);
    const link = await worker.fetch(request(`/api/links/${code}`), { ...env, LINK_STATS: broken }, createExecutionContext());
    expect(link.status).toBe(200);
    expect(await link.json()).not.toHaveProperty('clicks');
  });
});
