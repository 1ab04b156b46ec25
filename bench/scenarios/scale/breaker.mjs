// The shared breaker at fleet scale, in two designs, driving the real breaker functions
// (workers/feed/src/breaker.ts: admit, nextBreakerState) in every isolate's copy and object:
//  - today: every isolate syncs with one global `FeedBreaker` object (BREAKER_AGGREGATORS = 0);
//  - tree: every isolate syncs with its aggregator (one of `aggregators`, chosen by the isolate),
//    which keeps a copy of its own and syncs it with the global object; trips flow back down in
//    the answers. The aggregator batches failures too and sends one batch at a time
//    (workers/feed/src/breaker-aggregator.ts, BREAKER_AGGREGATORS = N).
// A copy's sync protocol is the one of workers/feed/src/shared-breaker.ts (`maybeSync`: one RPC in
// flight, successes batched for `flushMs`, a failure at once, a refresh when older than `syncMs`,
// back-off while unreachable, outcomes re-applied on top of the answer).
import { ObjectServer, Sim, exponentialMs, nth, random } from './sim.mjs';

/** @typedef {import('./sim.mjs').Fleet} Fleet @typedef {import('./sim.mjs').Location} Location */

/**
 * @typedef {object} Decisions the real breaker functions (bundled from workers/feed/src/breaker.ts)
 * @property {(now: number) => any} initialBreakerState
 * @property {(state: any, now: number, config: any) => string} admit
 * @property {(state: any, event: any, now: number, config: any) => any} nextBreakerState
 * @property {any} DEFAULT_BREAKER_CONFIG
 */

/**
 * @typedef {object} Copy a breaker copy and its sync state (an isolate's, or an aggregator's)
 * @property {any} state
 * @property {any[]} pending
 * @property {boolean} syncing
 * @property {number} lastAttempt
 * @property {boolean} reachable
 * @property {number} flushMs
 * @property {number} syncMs
 * @property {boolean} batchFailures
 * @property {number} rounds exchanges in a row while outcomes keep arriving (SharedBreaker: 3; an aggregator: 1)
 * @property {Location} location
 * @property {ObjectServer} upstream
 */

/**
 * @param {Decisions} d @param {Fleet} fleet
 * @param {{ design: 'today' | 'tree', seed: number, capacityPerS: number, aggregators: number, aggregatorFlushMs: number, isolateSyncMs: number, outageAtMs: number, capMs: number }} run
 */
export function simulateBreaker(d, fleet, run) {
  const rand = random(run.seed);
  const sim = new Sim();
  // Long enough that nobody half-opens before the last isolate has opened: the row is time to open.
  const config = { ...d.DEFAULT_BREAKER_CONFIG, openMs: 120_000 };
  const flushMs = 200;
  // BREAKER_SYNC_MS: today's 1 s; in the tree an aggregator takes a hundredth of the fleet's
  // syncs, so it can afford to be asked twice as often.
  const syncMs = run.design === 'tree' ? run.isolateSyncMs : 1_000;
  // The global object lives where the first request came from: the largest location.
  const global = new ObjectServer(sim, run.capacityPerS, nth(fleet.locations, 0));
  let globalState = d.initialBreakerState(0);
  /** @param {any[]} outcomes @param {number} t */
  const foldGlobal = (outcomes, t) => {
    for (const outcome of outcomes) globalState = d.nextBreakerState(globalState, { type: 'outcome', outcome }, t, config);
    return globalState;
  };

  /** @type {Copy[]} */
  const aggregators = [];
  if (run.design === 'tree') {
    for (let i = 0; i < run.aggregators; i++) {
      // Placed where its first caller is (a Durable Object is created near its first request).
      const first = fleet.isolates.find((iso) => iso.id % run.aggregators === i) ?? nth(fleet.isolates, 0);
      const location = nth(fleet.locations, first.loc);
      aggregators.push(
        copyOf(d.initialBreakerState(0), location, global, {
          flushMs: run.aggregatorFlushMs,
          // The aggregator runs with the isolates' vars (breaker-aggregator.ts): the same BREAKER_SYNC_MS.
          syncMs,
          batchFailures: true,
          rounds: 1,
        }),
      );
    }
  }
  /** @type {ObjectServer[]} */
  const aggregatorServers = aggregators.map((a) => new ObjectServer(sim, run.capacityPerS, a.location));

  /** One RPC of a copy to its upstream, answered with the upstream's state. @param {Copy} c @param {any[]} batch @param {(s: any, t: number) => void} ok @param {(t: number) => void} failed */
  const send = (c, batch, ok, failed) => {
    const index = aggregatorServers.indexOf(c.upstream);
    const handle =
      index === -1
        ? (/** @type {number} */ t) => foldGlobal(batch, t)
        : (/** @type {number} */ t) => {
            const agg = /** @type {Copy} */ (aggregators[index]);
            for (const outcome of batch) {
              agg.state = d.nextBreakerState(agg.state, { type: 'outcome', outcome }, t, config);
              agg.pending.push(outcome);
            }
            maybeSync(agg, t);
            return agg.state;
          };
    c.upstream.call(c.location, handle, ok, failed);
  };

  /** `SharedBreaker.maybeSync`. @param {Copy} c @param {number} now */
  const maybeSync = (c, now) => {
    if (c.syncing) return;
    const stale = now - c.lastAttempt >= c.syncMs;
    const backingOff = !c.reachable && !stale;
    if (backingOff || (c.pending.length === 0 && !stale)) return;
    const batching = c.batchFailures || (c.state.status === 'closed' && !c.pending.some((o) => o.failed));
    const delay = c.pending.length && batching ? c.flushMs : 0;
    c.syncing = true;
    c.lastAttempt = now;
    sim.at(now + delay, () => round(c, 0));
  };
  /** @param {Copy} c @param {number} n */
  const round = (c, n) => {
    const batch = c.pending.splice(0);
    send(
      c,
      batch,
      (remote, t) => {
        let state = remote;
        for (const outcome of c.pending) state = d.nextBreakerState(state, { type: 'outcome', outcome }, t, config);
        c.state = state;
        c.reachable = true;
        noticed(c, t);
        if (c.pending.length > 0 && n + 1 < c.rounds) round(c, n + 1);
        else c.syncing = false;
      },
      () => {
        c.pending.unshift(...batch);
        c.reachable = false;
        c.syncing = false;
      },
    );
  };

  // Isolates: Poisson requests; a call takes 50 ms while healthy, and after the outage starts it
  // hangs until the breaker's timeout (a failure).
  /** @type {(Copy & { openedAt: number, lastCallAt: number })[]} */
  const copies = fleet.isolates.map((iso) => {
    const upstream = run.design === 'tree' ? nth(aggregatorServers, iso.id % run.aggregators) : global;
    return {
      ...copyOf(d.initialBreakerState(0), nth(fleet.locations, iso.loc), upstream, { flushMs, syncMs, batchFailures: false, rounds: 3 }),
      openedAt: -1,
      lastCallAt: -1,
    };
  });
  let open = 0;
  /** @param {Copy} c @param {number} t */
  function noticed(c, t) {
    const copy = /** @type {Copy & { openedAt?: number }} */ (c);
    if (copy.openedAt === -1 && t >= run.outageAtMs && c.state.status === 'open') {
      copy.openedAt = t;
      open++;
    }
  }
  for (const [i, iso] of fleet.isolates.entries()) {
    const c = nth(copies, i);
    const arrive = () => {
      const t = sim.now;
      maybeSync(c, t);
      if (d.admit(c.state, t, config) === 'call') {
        const failed = t >= run.outageAtMs;
        if (failed) c.lastCallAt = t;
        const durationMs = failed ? config.timeoutMs : 50;
        sim.at(t + durationMs, () => {
          const u = sim.now;
          const outcome = { at: t, failed, durationMs };
          c.state = d.nextBreakerState(c.state, { type: 'outcome', outcome }, u, config);
          c.pending.push(outcome);
          if (c.pending.length > 500) c.pending.splice(0, c.pending.length - 500);
          noticed(c, u);
          maybeSync(c, u);
        });
      }
      sim.at(t + exponentialMs(rand, iso.ratePerS), arrive);
    };
    sim.at(exponentialMs(rand, iso.ratePerS), arrive);
  }

  sim.run(run.outageAtMs + run.capMs, () => open === copies.length);
  // Per isolate, its time to open as its requests saw it: from the outage's start to the start of
  // its last call to the recommender (every request after that found the copy open; 0 when none
  // called). An isolate whose copy never opened counts the cap (a lower bound).
  const times = copies.map((c) => (c.openedAt === -1 ? run.capMs : Math.max(0, c.lastCallAt - run.outageAtMs))).sort((a, b) => a - b);
  const servers = [global, ...aggregatorServers];
  return {
    peakRpcPerS: Math.max(...servers.map((s) => s.peakPerS())),
    globalPeakRpcPerS: global.peakPerS(),
    openP99Ms: times[Math.ceil(times.length * 0.99) - 1] ?? run.capMs,
    openMaxMs: times[times.length - 1] ?? run.capMs,
    neverOpened: copies.length - open,
    refused: servers.reduce((n, s) => n + s.refused, 0),
  };
}

/** @param {any} state @param {Location} location @param {ObjectServer} upstream @param {{ flushMs: number, syncMs: number, batchFailures: boolean, rounds: number }} timing @returns {Copy} */
function copyOf(state, location, upstream, timing) {
  return { state, pending: [], syncing: false, lastAttempt: -Infinity, reachable: true, location, upstream, ...timing };
}
