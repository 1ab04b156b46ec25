import { SELF, createMessageBatch, env, getQueueResult, createExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { EventBuffer, type EventQueue } from '../../shared/events/buffer.ts';
import { MAX_ROWS_PER_MESSAGE, type RollupMessage } from '../../shared/events/message.ts';
import { consumeEvents, rollUp } from '../../shared/events/rollup.ts';
import { keys, series, top, totals } from '../../shared/events/query.ts';
import { pruneRollups } from '../../shared/events/schema.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

function message(id: string, body: unknown, attempts = 1) {
  return { id, timestamp: new Date(T0), attempts, body };
}

async function consume(stream: string, messages: { id: string; body: unknown }[], now = T0) {
  const batch = createMessageBatch(
    `q-${stream}`,
    messages.map((m) => message(m.id, m.body)),
  );
  const result = await rollUp(batch, env.DB, now);
  return result;
}

const rollup = (stream: string, minute: number, rows: [string, string, number][]): RollupMessage => ({ v: 1, stream, minute, rows });

describe('from a hot path to a chart', () => {
  it('counts made on the fetch path reach the rollups through the real queue', async () => {
    const key = `e2e-${crypto.randomUUID()}`;
    for (let i = 0; i < 5; i++) await SELF.fetch(`http://worker/?key=${key}&dim=human`);
    for (let i = 0; i < 3; i++) await SELF.fetch(`http://worker/?key=${key}&dim=bot`);
    await vi.waitUntil(async () => (await totals(env.DB, { stream: 'clicks', key, dims: ['human'] })).human === 5, {
      timeout: 5000,
      interval: 50,
    });
    expect(await totals(env.DB, { stream: 'clicks', key, dims: ['human', 'bot', 'head'] })).toEqual({ human: 5, bot: 3, head: 0 });
  });
});

describe('rollUp', () => {
  it('adds each message once, however often it is delivered', async () => {
    const minute = T0 / 60_000;
    const body = rollup('redeliver', minute, [
      ['a', 'hit', 2],
      ['a', 'miss', 1],
    ]);
    await consume('redeliver', [{ id: 'm-1', body }]);
    await consume('redeliver', [
      { id: 'm-1', body },
      { id: 'm-2', body },
    ]);
    expect(await totals(env.DB, { stream: 'redeliver', key: 'a', dims: ['hit', 'miss'] })).toEqual({ hit: 4, miss: 2 });
  });

  it("a batch of a hundred isolates' counts of one hot row: exact sums in a constant number of D1 statements", async () => {
    const minute = T0 / 60_000 + 30;
    const messages = Array.from({ length: 100 }, (_, i) => ({
      id: `hot-${i}`,
      // Two minutes, in one hour, and a second dim on every tenth.
      body: rollup(
        'hot',
        minute + (i % 2),
        i % 10 === 0
          ? [
              ['viral', 'human', 3],
              ['viral', 'country:DE', 1],
            ]
          : [['viral', 'human', 3]],
      ),
    }));
    // The real D1, counting the statements each batch carries.
    const sizes: number[] = [];
    const counted = new Proxy(env.DB, {
      get(db, name) {
        const value: unknown = Reflect.get(db, name);
        if (name !== 'batch') return typeof value === 'function' ? value.bind(db) : value;
        return (statements: D1PreparedStatement[]) => {
          sizes.push(statements.length);
          return db.batch(statements);
        };
      },
    });
    const batch = createMessageBatch(
      'q-hot',
      messages.map((m) => message(m.id, m.body)),
    );
    expect(await rollUp(batch, counted, T0)).toEqual({ messages: 100, rows: 110, malformed: 0 });
    // Minutes, hours and the consumed marks: three statements for a hundred messages.
    expect(sizes.at(-1)).toBe(3);
    expect(await totals(env.DB, { stream: 'hot', key: 'viral', dims: ['human', 'country:DE'] })).toEqual({ human: 300, 'country:DE': 10 });
    expect(
      (
        await series(env.DB, {
          stream: 'hot',
          key: 'viral',
          dims: ['human'],
          bucket: 'minute',
          from: (minute - 1) * 60_000,
          to: (minute + 2) * 60_000,
        })
      ).map((p) => p.human),
    ).toEqual([0, 150, 150]);

    // Half of it again (a redelivery) with ten new messages: only the new ones count.
    const again = [
      ...messages.slice(0, 50),
      ...Array.from({ length: 10 }, (_, i) => ({ id: `hot-new-${i}`, body: rollup('hot', minute, [['viral', 'human', 1]]) })),
    ];
    await rollUp(
      createMessageBatch(
        'q-hot',
        again.map((m) => message(m.id, m.body)),
      ),
      env.DB,
      T0,
    );
    expect(await totals(env.DB, { stream: 'hot', key: 'viral', dims: ['human'] })).toEqual({ human: 310 });
  });

  it('acknowledges a malformed message and counts it, and still adds the good ones', async () => {
    const minute = T0 / 60_000;
    const batch = createMessageBatch('q-bad', [
      message('bad-1', { v: 2, stream: 'bad', minute, rows: [['a', 'hit', 1]] }),
      message('bad-2', { v: 1, stream: 'bad', minute, rows: [['a', 'hit', -1]] }),
      message('bad-3', 'not json at all'),
      message('good-1', rollup('bad', minute, [['a', 'hit', 7]])),
    ]);
    const ctx = createExecutionContext();
    const result = await consumeEvents(batch, env.DB);
    expect(result).toEqual({ messages: 1, rows: 1, malformed: 3 });
    const outcome = await getQueueResult(batch, ctx);
    expect(outcome.explicitAcks).toEqual([]);
    expect(outcome.ackAll).toBe(true);
    expect(await totals(env.DB, { stream: 'bad', key: 'a', dims: ['hit'] })).toEqual({ hit: 7 });
  });
});

describe('queries', () => {
  it('series fills empty buckets with zeros and sums minutes into hours and hours into days', async () => {
    const stream = 'series';
    await consume(stream, [
      { id: 's-1', body: rollup(stream, T0 / 60_000, [['k', 'human', 1]]) },
      {
        id: 's-2',
        body: rollup(stream, T0 / 60_000 + 59, [
          ['k', 'human', 2],
          ['k', 'bot', 1],
        ]),
      },
      {
        id: 's-3',
        body: rollup(stream, (T0 + 2 * HOUR) / 60_000, [
          ['k', 'human', 4],
          ['other', 'human', 100],
        ]),
      },
    ]);
    const hourly = await series(env.DB, { stream, key: 'k', bucket: 'hour', from: T0, to: T0 + 3 * HOUR, dims: ['human', 'bot'] });
    expect(hourly).toEqual([
      { t: '2026-11-30T10:00:00.000Z', human: 3, bot: 1 },
      { t: '2026-11-30T11:00:00.000Z', human: 0, bot: 0 },
      { t: '2026-11-30T12:00:00.000Z', human: 4, bot: 0 },
    ]);
    const daily = await series(env.DB, { stream, key: 'k', bucket: 'day', from: T0, to: T0 + 3 * HOUR, dims: ['human'] });
    expect(daily).toEqual([{ t: '2026-11-30T00:00:00.000Z', human: 7 }]);
    const perMinute = await series(env.DB, { stream, bucket: 'minute', from: T0, to: T0 + 2 * 60_000, dims: ['human'] });
    expect(perMinute).toEqual([
      { t: '2026-11-30T10:00:00.000Z', human: 1 },
      { t: '2026-11-30T10:01:00.000Z', human: 0 },
    ]);
    expect(await keys(env.DB, { stream, from: T0, limit: 10 })).toEqual([
      { key: 'other', n: 100 },
      { key: 'k', n: 8 },
    ]);
  });

  it('top lists the largest dims under a prefix, prefix removed', async () => {
    const stream = 'top';
    await consume(stream, [
      {
        id: 't-1',
        body: rollup(stream, T0 / 60_000, [
          ['k', 'ref:a.example', 3],
          ['k', 'ref:b.example', 5],
          ['k', 'country:DE', 9],
          ['k', 'human', 8],
        ]),
      },
    ]);
    expect(await top(env.DB, { stream, key: 'k', prefix: 'ref:', from: T0, limit: 10 })).toEqual([
      { name: 'b.example', n: 5 },
      { name: 'a.example', n: 3 },
    ]);
  });

  it('pruneRollups keeps hours for 400 days and minutes for two', async () => {
    const stream = 'prune';
    await consume(stream, [{ id: 'p-1', body: rollup(stream, T0 / 60_000, [['k', 'n', 1]]) }]);
    await pruneRollups(env.DB, T0 + 3 * 24 * HOUR);
    expect((await series(env.DB, { stream, bucket: 'minute', from: T0, to: T0 + 60_000, dims: ['n'] }))[0]?.n).toBe(0);
    expect((await totals(env.DB, { stream, dims: ['n'] })).n).toBe(1);
    await pruneRollups(env.DB, T0 + 401 * 24 * HOUR);
    expect((await totals(env.DB, { stream, dims: ['n'] })).n).toBe(0);
  });
});

describe('EventBuffer', () => {
  /** The real local queue, with a switch that makes its next sends fail (a full queue). */
  function flakyQueue(failures: number): EventQueue & { sent: RollupMessage[] } {
    const sent: RollupMessage[] = [];
    return {
      sent,
      async sendBatch(messages) {
        const list = [...messages];
        if (failures-- > 0) throw new Error('Queue is full');
        sent.push(...list.map((m) => m.body));
        await env.EVENTS.sendBatch(list);
      },
    };
  }

  it('one flush per quiet spell: later counts join it and return no promise', async () => {
    const buffer = new EventBuffer({ producer: 'p', flushMs: 0 });
    const queue = flakyQueue(0);
    const first = buffer.count(queue, 'clicks', 'k', 'human', 1, T0);
    expect(first).toBeInstanceOf(Promise);
    expect(buffer.count(queue, 'clicks', 'k', 'human', 1, T0)).toBeNull();
    expect(buffer.count(queue, 'clicks', 'k', 'bot', 1, T0)).toBeNull();
    await first;
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]?.rows).toEqual([
      ['k', 'human', 2],
      ['k', 'bot', 1],
    ]);
    expect(buffer.pending).toBe(0);
  });

  it('a jittered wait: with the draw at its lowest, a flush of 60 s waits nothing (without jitter this would wait a minute)', async () => {
    const buffer = new EventBuffer({ producer: 'p', flushMs: 60_000, jitter: 1, random: () => 0 });
    const queue = flakyQueue(0);
    await buffer.count(queue, 'clicks', 'jitter', 'human', 1, T0);
    expect(queue.sent.map((m) => m.rows)).toEqual([[['jitter', 'human', 1]]]);
  });

  it("a long flush makes one round within a waitUntil's time; counts made during its send wait for the next count", async () => {
    // Waits of up to 40 s (20 s, jitter 1) fit once in a flush's span; the draw 0 makes this one 0 s.
    const long = new EventBuffer({ producer: 'p', flushMs: 20_000, jitter: 1, random: () => 0 });
    const short = new EventBuffer({ producer: 'p', flushMs: 0 });
    for (const buffer of [long, short]) {
      const queue = flakyQueue(0);
      let sends = 0;
      const during: EventQueue = {
        async sendBatch(messages) {
          // One click arrives while the first send is under way.
          if (sends++ === 0) buffer.count(queue, 'clicks', 'rounds', 'human', 1, T0);
          await queue.sendBatch(messages);
        },
      };
      await buffer.count(during, 'clicks', 'rounds', 'human', 1, T0);
      expect(buffer.pending, buffer === long ? 'long' : 'short').toBe(buffer === long ? 1 : 0);
    }
  });

  it('a failed send loses nothing silently: the loss is counted and sent with the next batch', async () => {
    const buffer = new EventBuffer({ producer: 'p', flushMs: 0 });
    const queue = flakyQueue(1);
    await buffer.count(queue, 'clicks', 'k', 'human', 3, T0);
    expect(buffer.stats).toEqual({ sent: 0, lost: 3 });
    await buffer.count(queue, 'clicks', 'k', 'human', 1, T0);
    const rows = queue.sent.flatMap((m) => m.rows.map((r) => [m.stream, ...r]));
    expect(rows).toContainEqual(['events', 'p', 'lost', 3]);
    expect(rows).toContainEqual(['clicks', 'k', 'human', 1]);
  });

  it('past its row bound it drops and counts, and splits large flushes into several messages', async () => {
    const buffer = new EventBuffer({ producer: 'p', flushMs: 0, maxRows: MAX_ROWS_PER_MESSAGE + 10 });
    const queue = flakyQueue(0);
    for (let i = 0; i < MAX_ROWS_PER_MESSAGE + 20; i++) buffer.count(undefined, 'clicks', `k${i}`, 'human', 1, T0);
    expect(buffer.stats.lost).toBe(10);
    await buffer.count(queue, 'clicks', 'k0', 'human', 1, T0);
    // 510 click rows in two messages, and the loss of 10 in a message of the `events` stream.
    expect(queue.sent.map((m) => [m.stream, m.rows.length])).toEqual([
      ['clicks', MAX_ROWS_PER_MESSAGE],
      ['clicks', 10],
      ['events', 1],
    ]);
  });
});
