// Click batching: many clicks on one code in one isolate reach the authority as few calls.
import { describe, expect, it } from 'vitest';
import type { ClickCounts, LinkRecord } from '../../shared/links/record.ts';
import { ClickCounter } from '../../workers/redirector/src/clicks.ts';

const record: LinkRecord = {
  code: 'batched',
  url: 'https://e.com/',
  status: 301,
  appendQuery: true,
  immutable: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

/** Stands in for the authority's RPC stub (the Durable Object itself is tested through the API). */
function recorder() {
  const batches: Partial<ClickCounts>[] = [];
  const points: AnalyticsEngineDataPoint[] = [];
  return {
    batches,
    points,
    sinks: {
      analytics: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p ?? {}) },
      authority: () => ({ lookup: async () => null, recordClicks: async (c: Partial<ClickCounts>) => void batches.push(c) }),
    },
  };
}

describe('ClickCounter', () => {
  it('sends the clicks of one flush window as one batch, and every click to Analytics Engine', async () => {
    const { batches, points, sinks } = recorder();
    const request = new Request('https://sho.rt/batched', { headers: { Referer: 'https://news.example/item?id=1&user=me' } });
    const kinds = ['human', 'human', 'head', 'preview', 'human', 'bot'] as const;
    const counter = new ClickCounter(sinks, 20);
    const flushes = kinds.map((kind) => counter.count(record, kind, request));
    expect(flushes.filter((f) => f !== null)).toHaveLength(1); // only the first click waits for anything
    await Promise.all(flushes);
    expect(batches).toEqual([{ human: 3, head: 1, preview: 1, bot: 1 }]);
    expect(points).toHaveLength(6);
    expect(points[0]).toEqual({ indexes: ['batched'], blobs: ['batched', 'human', '', 'news.example'], doubles: [1] });
  });

  it('never throws when the authority fails', async () => {
    const sinks = {
      analytics: undefined,
      authority: () => {
        throw new Error('down');
      },
    };
    const counter = new ClickCounter(sinks, 0);
    await expect(counter.count({ ...record, code: 'failing' }, 'human', new Request('https://sho.rt/x'))).resolves.toBeUndefined();
  });
});
