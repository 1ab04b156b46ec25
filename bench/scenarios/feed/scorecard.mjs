// The feed's resilience scorecard: how its breaker behaves in an outage, measured on a real run (no
// fake clock) of two isolates sharing the breaker's Durable Object, in front of the demo
// recommender driven by its failure switches. workers/feed/README.md says how each row is measured.
//
// One outage cycle: lanes of traffic on both isolates; the recommender starts to hang (even cycles)
// or fail (odd ones) at t0; once both isolates answer `breaker-open` it is healthy again (t1); the
// cycle ends when both answer live. Every row of the outage reads the same cycles (each cycle is
// one round of each row), so six cycles give six rounds to every row.
import { PLAN } from '../../stats.ts';
import { ISOLATES, startCluster, until } from './cluster.mjs';

const WAITED = new Set(['upstream-timeout', 'upstream-error', 'upstream-status', 'upstream-bad-body']);
/** The breaker's wait in open for the bench (wrangler.toml has 10 s): short, so a cycle takes seconds. */
const OPEN_MS = 2000;
/** wrangler.toml's values, which the scorecard holds to their goals. */
const MIN_CALLS = 10;
const PROBES = 2;
const TIMEOUT_MS = 800;

/**
 * @typedef {import('./cluster.mjs').Answer} Answer
 * @typedef {{ timeToOpenMs: number, wastedPerIsolate: number, probeCalls: number, recoveryMs: number, callsPerRequest: number }} Cycle
 */

/**
 * @param {import('../../lib.mjs').Bench} bench
 * @param {import('../../../demo/recommender/server.mjs').Recommender} recommender
 * @param {number[]} calls arrival times of the recommender's feed requests (its onRequest)
 */
export async function scorecard(bench, recommender, calls) {
  const cluster = await startCluster(bench, { RECOMMENDER_URL: recommender.url, BREAKER_OPEN_MS: String(OPEN_MS) });
  try {
    /** @type {Cycle[]} */
    const cycles = [];
    const cycle = async (/** @type {number} */ i) => {
      while (cycles.length <= i) cycles.push(await outage(cluster, recommender, calls, cycles.length));
      return /** @type {Cycle} */ (cycles[i]);
    };
    // The first look of every row needs PLAN.minRounds rounds: run them before the rows' clocks start.
    await cycle(PLAN.minRounds - 1);

    /** @type {{ scenario: string, baselineName: string, unit: string, goal: number, of: (c: Cycle) => [number, number] }[]} */
    const rows = [
      {
        scenario: 'feed scorecard: time to open, recommender failing or hanging -> first breaker-open answer in both isolates',
        baselineName: '2,000 ms goal',
        unit: 'ms',
        goal: 1,
        of: (c) => [c.timeToOpenMs, 2000],
      },
      {
        scenario: 'feed scorecard: requests wasted per isolate (callers that waited on the failing recommender)',
        baselineName: `minimum calls (${MIN_CALLS})`,
        unit: 'requests',
        goal: 1,
        of: (c) => [c.wastedPerIsolate, MIN_CALLS],
      },
      {
        scenario: 'feed scorecard: probe discipline, recommender calls in half-open per recovery',
        baselineName: `configured probes (${PROBES})`,
        unit: 'calls',
        goal: 1,
        of: (c) => [c.probeCalls, PROBES],
      },
      {
        scenario: 'feed scorecard: recovery, recommender healthy -> first live answer in both isolates',
        baselineName: `open wait + 2 s (${OPEN_MS + 2000} ms)`,
        unit: 'ms',
        goal: 1,
        of: (c) => [c.recoveryMs, OPEN_MS + 2000],
      },
      {
        scenario: 'feed scorecard: retry amplification, recommender calls per request during the outage',
        baselineName: 'one call per request',
        unit: 'calls per request',
        goal: 1.1,
        of: (c) => [c.callsPerRequest, 1],
      },
    ];
    for (const { of, ...row } of rows) {
      await bench.paired({
        ...row,
        better: 'lower',
        round: async (i) => {
          const [ours, base] = of(await cycle(i));
          return { ours, base };
        },
      });
    }

    await overload(bench, cluster, recommender, { limit: 'adaptive limit', goal: 0.99, liveShare: true });
  } finally {
    recommender.setMode({ mode: 'ok', concurrency: 0 });
    await cluster.dispose();
  }

  // The same overload with the limit fixed at its maximum, as context: does the adaptive limit help?
  // (Goodput only: with a fixed limit a whole round can pass without one live answer, and a paired
  // row's rounds must be positive.)
  const fixed = await startCluster(bench, {
    RECOMMENDER_URL: recommender.url,
    BREAKER_OPEN_MS: String(OPEN_MS),
    RECOMMENDER_CONCURRENCY_ADAPTIVE: 'false',
  });
  try {
    await overload(bench, fixed, recommender, { limit: 'fixed limit', goal: null, liveShare: false });
  } finally {
    recommender.setMode({ mode: 'ok', concurrency: 0 });
    await fixed.dispose();
  }
}

/**
 * One outage and recovery; answers the cycle's measures.
 * @param {Awaited<ReturnType<typeof startCluster>>} cluster
 * @param {import('../../../demo/recommender/server.mjs').Recommender} recommender
 * @param {number[]} calls
 * @param {number} i
 * @returns {Promise<Cycle>}
 */
async function outage(cluster, recommender, calls, i) {
  recommender.setMode({ mode: 'ok', concurrency: 0 });
  await cluster.force('auto');
  const ready = Date.now();
  const load = cluster.load({ lanes: 8, pauseMs: 10 });
  /** @param {(a: Answer) => boolean} test */
  const firstEnd = (test) =>
    ISOLATES.map((isolate) => Math.min(...load.answers.filter((a) => a.isolate === isolate && test(a)).map((a) => a.end)));
  let t0 = 0;
  let t1 = 0;
  try {
    // Steady and live in both isolates (each isolate's limit grown back) before the outage.
    await until(
      () => ISOLATES.every((iso) => load.answers.filter((a) => a.isolate === iso && a.start >= ready && a.mode === 'live').length >= 20),
      'live traffic',
    );
    t0 = Date.now();
    recommender.setMode({ mode: i % 2 === 0 ? 'hang' : 'fail' });
    await until(() => firstEnd((a) => a.start >= t0 && a.reason === 'breaker-open').every(Number.isFinite), 'the trip in both isolates');
    t1 = Date.now();
    recommender.setMode({ mode: 'ok' });
    await until(() => firstEnd((a) => a.start >= t1 && a.mode === 'live').every(Number.isFinite), 'live answers in both isolates again');
  } finally {
    await load.stop();
  }
  const after = load.answers.filter((a) => a.end >= t0);
  const timeline = (await cluster.timeline()).filter((t) => t.at >= t0);
  // The recovery's half-open: from the last wait-over before the breaker closed again.
  const closed = timeline.find((t) => t.to === 'closed' && t.reason === 'probes-succeeded');
  const halfOpen = timeline.filter((t) => t.to === 'half-open' && (!closed || t.at <= closed.at)).at(-1);
  if (!closed || !halfOpen) throw new Error(`feed scorecard: no trip and recovery in the timeline: ${JSON.stringify(timeline)}`);
  const during = after.filter((a) => a.start >= t0 && a.start < t1).length;
  return {
    timeToOpenMs: Math.max(...firstEnd((a) => a.start >= t0 && a.reason === 'breaker-open')) - t0,
    wastedPerIsolate: Math.max(...ISOLATES.map((iso) => after.filter((a) => a.isolate === iso && WAITED.has(a.reason ?? '')).length)),
    probeCalls: calls.filter((at) => at >= halfOpen.at && at <= closed.at).length,
    recoveryMs: Math.max(...firstEnd((a) => a.start >= t1 && a.mode === 'live')) - t1,
    callsPerRequest: calls.filter((at) => at >= t0 && at < t1).length / Math.max(1, during),
  };
}

/**
 * Goodput under overload: the recommender works on 4 calls at once (150 ms each) and 5x that is
 * offered (10 closed-loop lanes per isolate, no pause). A round is 1.5 s of that; goodput is the
 * share of answers, live or degraded, within the call timeout (800 ms): anything later waited in
 * a queue it should have been shed from.
 * @param {import('../../lib.mjs').Bench} bench
 * @param {Awaited<ReturnType<typeof startCluster>>} cluster
 * @param {import('../../../demo/recommender/server.mjs').Recommender} recommender
 * @param {{ limit: string, goal: number | null, liveShare: boolean }} variant the limit's mode (named in the
 *   rows), goodput's goal, and whether to add the live share as a context row
 */
async function overload(bench, cluster, recommender, { limit, goal, liveShare }) {
  const N = 4;
  recommender.setMode({ mode: 'slow', delayMs: 150, concurrency: N });
  await cluster.force('auto');
  /** @type {{ goodput: number, live: number }[]} */
  const rounds = [];
  const round = async (/** @type {number} */ i) => {
    while (rounds.length <= i) {
      const load = cluster.load({ lanes: (5 * N) / ISOLATES.length, pauseMs: 0 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await load.stop();
      const answers = load.answers;
      const inTime = answers.filter((a) => a.status === 200 && a.mode !== null && a.end - a.start <= TIMEOUT_MS).length;
      rounds.push({ goodput: inTime / answers.length, live: answers.filter((a) => a.mode === 'live').length / answers.length });
    }
    return /** @type {{ goodput: number, live: number }} */ (rounds[i]);
  };
  await bench.paired({
    scenario: `feed scorecard: goodput at 5x the recommender's concurrency, ${limit} (answers live or degraded within ${TIMEOUT_MS} ms)`,
    baselineName: 'every answer in time',
    goal,
    unit: 'share',
    round: async (i) => ({ ours: (await round(i)).goodput, base: 1 }),
  });
  if (!liveShare) return;
  await bench.paired({
    scenario: `feed scorecard: live share at 5x the recommender's concurrency, ${limit} (context: the rest is shed or degraded)`,
    baselineName: 'every answer live',
    goal: null,
    unit: 'share',
    round: async (i) => ({ ours: (await round(i)).live, base: 1 }),
  });
}
