// Click recording: the burst rule on an explicit clock, and the recorder's batching into the event buffer.
import { describe, expect, it } from 'vitest';
import type { RollupMessage } from '../../shared/events/message.ts';
import { Bursts, ClickRecorder, type Click } from '../../workers/redirector/src/clicks.ts';

const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
const click = (code: string, client: string | null = '203.0.113.7', over: Partial<Click> = {}): Click => ({
  code,
  kind: 'human',
  referrer: '',
  country: 'DE',
  qr: false,
  client,
  ...over,
});

describe('Bursts', () => {
  const rule = { links: 3, windowMs: 2000 };

  it('makes every click of a window a scanner’s once its address opened that many distinct links', () => {
    const bursts = new Bursts(rule);
    for (const [i, code] of ['a', 'b', 'c', 'a'].entries()) expect(bursts.hold(click(code), T0 + i * 100)).toBe(true);
    expect(bursts.release(T0 + 1999)).toEqual([]); // the window is still open
    const released = bursts.release(T0 + 2000);
    expect(released.map(({ click: c, kind, n }) => [c.code, kind, n])).toEqual([
      ['a', 'scanner', 2],
      ['b', 'scanner', 1],
      ['c', 'scanner', 1],
    ]);
    expect(bursts.held).toBe(0);
  });

  it('keeps a person who opens fewer links, or the same link again, human', () => {
    const bursts = new Bursts(rule);
    for (let i = 0; i < 5; i++) bursts.hold(click('same'), T0 + i * 10);
    bursts.hold(click('other'), T0 + 60);
    bursts.hold(click('x', '198.51.100.1'), T0 + 70); // another address
    const released = bursts.release(T0 + 3000).map(({ click: c, kind, n }) => [c.code, kind, n]);
    expect(released).toEqual([
      ['same', 'human', 5],
      ['other', 'human', 1],
      ['x', 'human', 1],
    ]);
  });

  it('starts a new window when an address keeps clicking after its window closed', () => {
    const bursts = new Bursts(rule);
    bursts.hold(click('a'), T0);
    bursts.hold(click('b'), T0 + 2500); // the first window closed: it waits for release, a new one opens
    expect(bursts.nextDue()).toBe(0);
    expect(bursts.release(T0 + 2500).map(({ click: c, kind }) => [c.code, kind])).toEqual([['a', 'human']]);
    expect(bursts.nextDue()).toBe(T0 + 4500);
  });

  it('holds nothing when off or without an address', () => {
    expect(new Bursts({ links: 0, windowMs: 2000 }).hold(click('a'), T0)).toBe(false);
    expect(new Bursts(rule).hold(click('a', null), T0)).toBe(false);
  });
});

describe('ClickRecorder', () => {
  function queue() {
    const sent: RollupMessage[] = [];
    return { sent, sendBatch: async (messages: Iterable<{ body: RollupMessage }>) => void sent.push(...[...messages].map((m) => m.body)) };
  }
  const rows = (sent: RollupMessage[]) => sent.flatMap((m) => m.rows);

  it('sends one batch per flush window, every click to Analytics Engine, dims only for humans', async () => {
    const q = queue();
    const points: AnalyticsEngineDataPoint[] = [];
    const recorder = new ClickRecorder({
      analytics: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p ?? {}) },
      queue: q,
      flushMs: 20,
      burst: { links: 0, windowMs: 0 },
    });
    const clicks = [
      click('k', null, { referrer: 'news.example', qr: true }),
      click('k', null),
      click('k', null, { kind: 'bot', country: '' }),
      click('k', null, { kind: 'head', country: '' }),
    ];
    const flushes = clicks.map((c) => recorder.record(c, T0));
    expect(flushes.filter((f) => f !== null)).toHaveLength(1); // only the first click waits for anything
    await Promise.all(flushes);
    expect(q.sent).toHaveLength(1);
    expect(rows(q.sent)).toEqual([
      ['k', 'human', 2],
      ['k', 'ref:news.example', 1],
      ['k', 'country:DE', 2],
      ['k', 'src:qr', 1],
      ['k', 'bot', 1],
      ['k', 'head', 1],
    ]);
    expect(points).toHaveLength(4);
    expect(points[0]).toEqual({ indexes: ['k'], blobs: ['k', 'human', 'DE', 'news.example'], doubles: [1] });
  });

  it('holds human clicks for the burst window, then counts them with their final kind', async () => {
    const q = queue();
    const recorder = new ClickRecorder({ analytics: undefined, queue: q, flushMs: 0, burst: { links: 3, windowMs: 30 } });
    const work = ['a', 'b', 'c'].map((code) => recorder.record(click(code, '192.0.2.9')));
    expect(recorder.record(click('d', '192.0.2.10'))).toBeNull(); // held; the release already under way takes it
    const bot = recorder.record(click('e', '192.0.2.10', { kind: 'bot', country: '' })); // counted at once: its own flush
    expect(bot).toBeInstanceOf(Promise);
    await Promise.all([...work, bot]);
    expect(rows(q.sent)).toEqual(
      expect.arrayContaining([
        ['a', 'scanner', 1],
        ['b', 'scanner', 1],
        ['c', 'scanner', 1],
        ['d', 'human', 1],
        ['d', 'country:DE', 1],
        ['e', 'bot', 1],
      ]),
    );
    expect(rows(q.sent)).toHaveLength(6);
    expect(recorder.bursts.held).toBe(0);
  });

  it('never throws when Analytics Engine fails', () => {
    const recorder = new ClickRecorder({
      analytics: {
        writeDataPoint: () => {
          throw new Error('down');
        },
      },
      queue: undefined,
      flushMs: 0,
      burst: { links: 0, windowMs: 0 },
    });
    expect(() => recorder.record(click('x', null))).not.toThrow();
  });
});
