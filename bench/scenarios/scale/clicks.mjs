// A viral short link at fleet scale: every isolate of the redirector counts its clicks in the real
// `EventBuffer` (shared/events/buffer.ts, its waits on the simulated clock) and sends them to the
// link-clicks queue; Queues deliver them to the shortener in batches of up to 100 (or after
// `batchTimeoutMs`), whose consumer writes them to one D1 database, where every message touches
// the link's one hot row. Two designs:
//  - today: a flush once per second per isolate, in step; the consumer writes three statements per
//    message (its minute row, its hour row, its id) — the consumer before this change, restated;
//  - ours: a jittered flush every `flushMs` (half to one and a half of it) and the real `rollUp`
//    (shared/events/rollup.ts), which writes a whole batch in three statements, run on a D1 stand-in
//    that counts the statements it is given.
// Rows: queue messages a second (peak) against Queues' 5,000 per queue, and D1 statements a second
// (peak) against a database's ~1,000 queries a second.
import { Sim, exponentialMs, nth, random } from './sim.mjs';

/** @typedef {import('./sim.mjs').Fleet} Fleet */
/** @typedef {{ id: string, body: unknown }} Message */

/**
 * @typedef {new (options: { producer: string, flushMs: number, jitter?: number, random?: () => number }) => {
 *   count(queue: { sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown> }, stream: string, key: string, dim: string, n?: number, now?: number): Promise<void> | null,
 *   stats: { sent: number, lost: number },
 * }} EventBufferClass
 * @typedef {(batch: { queue: string, messages: Message[] }, db: unknown, now?: number) => Promise<unknown>} RollUp
 */

/** A D1 database that answers every statement at once and counts, per second, the statements it ran. */
class CountingD1 {
  /** @type {Map<number, number>} */
  perSecond = new Map();
  /** @param {Sim} sim */
  constructor(sim) {
    this.sim = sim;
  }
  prepare() {
    const statement = { bind: () => statement };
    return statement;
  }
  /** @param {unknown[]} statements */
  batch(statements) {
    this.add(statements.length);
    return Promise.resolve(statements.map(() => ({ results: [], meta: { changes: 0 } })));
  }
  /** @param {number} n */
  add(n) {
    const second = Math.floor(this.sim.now / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + n);
  }
}

/** @param {Map<number, number>} perSecond */
const peak = (perSecond) => Math.max(0, ...perSecond.values());

/**
 * @param {{ EventBuffer: EventBufferClass, rollUp: RollUp }} d
 * @param {Fleet} fleet
 * @param {{ design: 'today' | 'ours', seed: number, flushMs: number, jitter: number, durationMs: number, batchSize: number, batchTimeoutMs: number }} run
 */
export async function simulateClicks(d, fleet, run) {
  const rand = random(run.seed);
  const sim = new Sim();
  const db = new CountingD1(sim);
  // The consumer's schema statements run once per isolate of the shortener, not per batch.
  await d.rollUp({ queue: 'link-clicks', messages: [] }, db);
  db.perSecond.clear();

  /** @type {Map<number, number>} */
  const messagesPerSecond = new Map();
  /** @type {Message[]} */
  let pending = [];
  let seq = 0;
  let deliveryAt = /** @type {number | null} */ (null);
  const deliver = () => {
    const batch = pending.slice(0, run.batchSize);
    pending = pending.slice(run.batchSize);
    if (run.design === 'today') db.add(3 * batch.length);
    else void d.rollUp({ queue: 'link-clicks', messages: batch }, db, sim.now);
    deliveryAt = null;
    if (pending.length > 0) scheduleDelivery();
  };
  const scheduleDelivery = () => {
    if (pending.length >= run.batchSize) return deliver();
    if (deliveryAt === null) {
      deliveryAt = sim.now + run.batchTimeoutMs;
      sim.at(deliveryAt, () => {
        if (deliveryAt !== null && sim.now >= deliveryAt && pending.length > 0) deliver();
      });
    }
  };
  const queue = {
    /** @param {Iterable<{ body: unknown }>} messages */
    sendBatch(messages) {
      const second = Math.floor(sim.now / 1000);
      for (const { body } of messages) {
        pending.push({ id: `m${seq++}`, body });
        messagesPerSecond.set(second, (messagesPerSecond.get(second) ?? 0) + 1);
      }
      scheduleDelivery();
      return Promise.resolve();
    },
  };

  const jitterRand = random(run.seed + 1);
  const buffers = fleet.isolates.map(
    () => new d.EventBuffer({ producer: 'redirector', flushMs: run.flushMs, jitter: run.jitter, random: jitterRand }),
  );
  for (const iso of fleet.isolates) {
    const click = () => {
      if (sim.now >= run.durationMs) return;
      void nth(buffers, iso.id).count(queue, 'clicks', 'viral', 'human', 1, sim.now);
      sim.at(sim.now + exponentialMs(rand, iso.ratePerS), click);
    };
    sim.at(exponentialMs(rand, iso.ratePerS), click);
  }

  // The buffer waits with the Workers runtime's `scheduler.wait`: here, an event of the simulation.
  const saved = /** @type {any} */ (globalThis).scheduler;
  /** @type {any} */ (globalThis).scheduler = {
    wait: (/** @type {number} */ ms) => new Promise((resolve) => sim.at(sim.now + ms, () => resolve(undefined))),
  };
  try {
    await sim.runSettling(run.durationMs + 2 * run.flushMs, 10);
  } finally {
    /** @type {any} */ (globalThis).scheduler = saved;
  }
  const lost = buffers.reduce((sum, b) => sum + b.stats.lost, 0);
  if (lost > 0) throw new Error(`clicks: ${lost} counts lost in the simulation`);
  return { peakMessagesPerS: peak(messagesPerSecond), peakStatementsPerS: peak(db.perSecond) };
}
