// Shared state at fleet scale, by discrete-event simulation (bench/scenarios/scale/): 1,000 and
// 10,000 isolates in 300 locations, with network round trips and Durable Objects of a fixed
// capacity, driving the real decision functions (the feed's breaker, the lease, the edge's
// SingleFlight). Seeded: the same code gives the same rows. Each row is exact (lower is better):
// our design with its goal, today's beside it as context. The model and its figures:
// bench/scenarios/scale/README.md.
import { simulateBreaker } from './scale/breaker.mjs';
import { simulateClicks } from './scale/clicks.mjs';
import { loadDecisions } from './scale/decisions.mjs';
import { simulateHotKey } from './scale/hot-key.mjs';
import { simulateRender } from './scale/render.mjs';
import { makeFleet, random } from './scale/sim.mjs';

/** Durable Objects: about 1,000 requests a second per object (Cloudflare's documented soft limit). */
const OBJECT_CAPACITY_PER_S = 1_000;
/** KV: one write per second to the same key. */
const KV_WRITES_PER_KEY_PER_S = 1;
/** Queues: 5,000 messages a second per queue (developers.cloudflare.com/queues/platform/limits/). */
const QUEUE_MESSAGES_PER_S = 5_000;
/** D1: one thread per database, about 1,000 queries a second at 1 ms each (developers.cloudflare.com/d1/platform/limits/). */
const D1_STATEMENTS_PER_S = 1_000;
/** The outage scorecard's goal for time to open (bench/scenarios/feed/scorecard.mjs). */
const OPEN_GOAL_MS = 2_000;
const SEED = 20261130;

/** Seeded and exact: run after the timed rows (run.mjs). */
export const simulation = true;

/** @param {import('../lib.mjs').Bench} bench */
export default async function scale(bench) {
  const d = await loadDecisions();
  for (const isolates of [1_000, 10_000]) {
    const fleet = makeFleet(random(SEED + isolates), { isolates, locations: 300, zipf: 0.8, medianRps: 4, sigma: 0.5, minRps: 2 });
    const at = `at ${isolates.toLocaleString('en-US')} isolates`;
    const common = { seed: SEED, capacityPerS: OBJECT_CAPACITY_PER_S };

    const breaker = { ...common, aggregators: 100, aggregatorFlushMs: 250, isolateSyncMs: 500, outageAtMs: 2_000, capMs: 15_000 };
    const tree = simulateBreaker(d, fleet, { ...breaker, design: 'tree' });
    const today = simulateBreaker(d, fleet, { ...breaker, design: 'today' });
    for (const [design, r, goal] of /** @type {const} */ ([
      ['isolates -> 100 aggregators -> global', tree, true],
      ["today's one global object", today, false],
    ])) {
      bench.exact({
        scenario: `scale: breaker, peak RPC/s on one Durable Object vs its ~1,000/s, ${design}, ${at}`,
        ours: r.peakRpcPerS,
        reference: OBJECT_CAPACITY_PER_S,
        baselineName: 'a Durable Object capacity (1,000 RPC/s)',
        goal: goal ? 0.5 : null,
        better: 'lower',
        measure: 'rpc/s',
      });
      bench.exact({
        scenario: `scale: breaker, time to open at 99% of isolates (hanging recommender) vs the scorecard's 2 s, ${design}, ${at}`,
        ours: Math.round(r.openP99Ms),
        reference: OPEN_GOAL_MS,
        baselineName: "the scorecard's time-to-open goal (2,000 ms)",
        goal: goal ? 1 : null,
        better: 'lower',
        measure: 'ms',
      });
    }

    const hotKey = { ...common, intervalMs: 60_000, durationMs: 180_000, dieRate: 0.01, firstSpreadMs: 0 };
    const spread = simulateHotKey(d, fleet, { ...hotKey, design: 'lease', firstSpreadMs: 60_000 });
    const atOnce = simulateHotKey(d, fleet, { ...hotKey, design: 'lease' });
    for (const [design, r, goal] of /** @type {const} */ ([
      ['first asks spread over a minute', spread, true],
      ['first asks at once', atOnce, false],
    ])) {
      bench.exact({
        scenario: `scale: feed, a deploy's peak RPC/s on a tab's lease object vs its ~1,000/s, ${design}, ${at}`,
        ours: r.leasePeakRpcPerS,
        reference: OBJECT_CAPACITY_PER_S,
        baselineName: 'a Durable Object capacity (1,000 RPC/s)',
        goal: goal ? 0.5 : null,
        better: 'lower',
        measure: 'rpc/s',
      });
    }
    for (const [design, r, goal] of /** @type {const} */ ([
      ['one writer per tab per minute (lease)', spread, true],
      ["today's every isolate once a minute", simulateHotKey(d, fleet, { ...hotKey, design: 'today' }), false],
    ])) {
      bench.exact({
        scenario: `scale: feed, KV writes per second to one tab's key vs KV's 1/s, ${design}, ${at}`,
        ours: r.writesPerKeyPerS,
        reference: KV_WRITES_PER_KEY_PER_S,
        baselineName: "KV's write limit per key (1/s)",
        goal: goal ? 1 : null,
        better: 'lower',
        measure: 'writes/s',
      });
    }

    const render = {
      ...common,
      pages: 20,
      requestsPerS: 20,
      durationMs: 120_000,
      propagationMs: 60_000,
      leaseMs: 90_000,
      leaseWaitMs: 1_000,
      dieRate: 0.02,
      budgetPerMinute: 200,
    };
    for (const [design, r, goal] of /** @type {const} */ ([
      ['a lease per page', await simulateRender(d, fleet, { ...render, design: 'lease' }), true],
      ["today's per-isolate SingleFlight", await simulateRender(d, fleet, { ...render, design: 'today' }), false],
    ])) {
      bench.exact({
        scenario: `scale: edge, duplicate renders per new page (a crawler burst, 20 req/s for 2 min), ${design}, ${at}`,
        ours: r.duplicatesPerPage,
        reference: 1,
        baselineName: 'one render per page',
        goal: goal ? 0.2 : null,
        better: 'lower',
        measure: 'renders',
      });
    }

    const clicks = { seed: SEED, durationMs: 60_000, batchSize: 100, batchTimeoutMs: 2_000 };
    for (const [design, r, goal] of /** @type {const} */ ([
      [
        'a jittered 10 s flush, a batch in 3 statements',
        await simulateClicks(d, fleet, { ...clicks, design: 'ours', flushMs: 10_000, jitter: 0.5 }),
        true,
      ],
      [
        "today's 1 s flush, 3 statements a message",
        await simulateClicks(d, fleet, { ...clicks, design: 'today', flushMs: 1_000, jitter: 0 }),
        false,
      ],
    ])) {
      bench.exact({
        scenario: `scale: clicks on one viral link, peak queue messages/s vs Queues' 5,000/s, ${design}, ${at}`,
        ours: r.peakMessagesPerS,
        reference: QUEUE_MESSAGES_PER_S,
        baselineName: "a queue's throughput (5,000 messages/s)",
        goal: goal ? 0.5 : null,
        better: 'lower',
        measure: 'messages/s',
      });
      bench.exact({
        scenario: `scale: clicks on one viral link, peak D1 statements/s on its hot row vs D1's ~1,000/s, ${design}, ${at}`,
        ours: r.peakStatementsPerS,
        reference: D1_STATEMENTS_PER_S,
        baselineName: "a D1 database's ~1,000 queries/s",
        goal: goal ? 0.5 : null,
        better: 'lower',
        measure: 'statements/s',
      });
    }
  }
}
