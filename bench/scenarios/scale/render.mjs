// Prerendering a new page at fleet scale, in two designs, with the edge's real per-isolate
// coalescing (workers/edge/src/budget.ts `SingleFlight`) and the edge's real lease client
// (workers/edge/src/render-lease.ts `RenderLeases`, which the miss path calls) in front of a
// `Leases` object deciding with the real `decideLease` (shared/lease/lease.ts):
//  - today: a miss renders unless this isolate is already rendering that page; the snapshot's KV
//    index is seen at once in the writer's location and within `propagationMs` elsewhere (KV is
//    eventually consistent), so every isolate that misses before then renders again;
//  - lease: the isolate's leader first takes the page's lease (one `Leases` object per page, where
//    its first caller is) for `leaseMs` (render timeout plus KV propagation), through `RenderLeases`
//    on the simulated clock; only the holder renders, the others answer without a render (FALLBACK)
//    until the lease runs out; a lease object that does not answer within `leaseWaitMs` (refused as
//    overloaded) renders as today. A holder's render fails with probability `dieRate`: nothing is
//    written; the holder renders again on its next miss while it holds the lease, and after that
//    the first miss anywhere does.
// Both take from a per-location render budget (the RENDER_LIMIT_GLOBAL rate limit, per location).
import { LeaseObject, Sim, exponentialMs, locationPicker, nth, random } from './sim.mjs';

/** @typedef {import('./sim.mjs').Fleet} Fleet */

/**
 * @typedef {{ acquire(holder: string, ttlMs: number): Promise<import('./sim.mjs').LeaseAnswer> }} LeaseStub
 * @typedef {{ now(): number, within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> }} LeaseClock
 * @typedef {new (holder: string, ttlMs: number, waitMs: number, clock: LeaseClock) => { take(key: string, stub: () => LeaseStub): Promise<'holder' | 'refused' | 'unreachable'> }} RenderLeases
 */

/**
 * The simulated clock as the lease client's `LeaseClock`: a deadline is an event of the simulation.
 * @param {Sim} sim @returns {LeaseClock}
 */
export function simClock(sim) {
  return {
    now: () => sim.now,
    within(promise, ms) {
      return new Promise((resolve) => {
        let settled = false;
        const settle = (/** @type {any} */ value) => {
          if (settled) return;
          settled = true;
          resolve(value);
        };
        promise.then(settle, () => settle(undefined));
        sim.at(sim.now + ms, () => settle(undefined));
      });
    },
  };
}

/**
 * @param {{ decideLease: import('./sim.mjs').DecideLease, RenderLeases: RenderLeases, SingleFlight: new () => { run(key: string, work: () => Promise<unknown>): { promise: Promise<unknown>, leader: boolean } } }} d
 * @param {Fleet} fleet
 * @param {{ design: 'today' | 'lease', seed: number, capacityPerS: number, pages: number, requestsPerS: number, durationMs: number, propagationMs: number, leaseMs: number, leaseWaitMs: number, dieRate: number, budgetPerMinute: number }} run
 */
export async function simulateRender(d, fleet, run) {
  const rand = random(run.seed);
  const sim = new Sim();
  const pick = locationPicker(fleet.locations);
  /** @type {Map<number, typeof fleet.isolates>} */
  const byLocation = new Map();
  for (const iso of fleet.isolates) byLocation.set(iso.loc, [...(byLocation.get(iso.loc) ?? []), iso]);
  const flights = fleet.isolates.map(() => new d.SingleFlight());
  const clock = simClock(sim);
  const leaseClients = fleet.isolates.map((iso) => new d.RenderLeases(iso.name, run.leaseMs, run.leaseWaitMs, clock));
  /** @type {Map<string, number>} renders started per location and minute */
  const budget = new Map();
  let renders = 0;

  for (let page = 0; page < run.pages; page++) {
    /** @type {{ at: number, loc: number } | undefined} */
    let written;
    /** @type {Map<number, number>} when the written index shows in each location */
    const visibleAt = new Map();
    /** @type {LeaseObject | undefined} */
    let leases;
    const visible = (/** @type {number} */ loc, /** @type {number} */ t) => {
      if (!written) return false;
      if (!visibleAt.has(loc)) visibleAt.set(loc, loc === written.loc ? written.at : written.at + rand() * run.propagationMs);
      return t >= /** @type {number} */ (visibleAt.get(loc));
    };
    const render = (/** @type {number} */ loc) => {
      const key = `${loc}:${Math.floor(sim.now / 60_000)}`;
      const used = budget.get(key) ?? 0;
      if (used >= run.budgetPerMinute) return Promise.resolve();
      budget.set(key, used + 1);
      renders++;
      return new Promise((resolve) => {
        sim.at(sim.now + 1_000 + rand() * 2_000, () => {
          if (run.design === 'today' || rand() >= run.dieRate) written ??= { at: sim.now, loc };
          resolve(undefined);
        });
      });
    };
    const request = () => {
      sim.at(sim.now + exponentialMs(rand, run.requestsPerS), request);
      const loc = pick(rand());
      const here = byLocation.get(loc) ?? fleet.isolates;
      const iso = nth(here, Math.floor(rand() * here.length));
      if (visible(loc, sim.now)) return;
      const pageKey = `page-${page}`;
      nth(flights, iso.id).run(pageKey, async () => {
        if (run.design === 'today') return render(loc);
        const location = nth(fleet.locations, loc);
        leases ??= new LeaseObject(sim, run.capacityPerS, location, d.decideLease);
        const object = leases;
        /** @type {LeaseStub} */
        const stub = {
          acquire: (holder, ttlMs) =>
            new Promise((resolve, reject) => object.acquire(location, holder, ttlMs, resolve, () => reject(new Error('overloaded')))),
        };
        // `refused`: FALLBACK; `holder` renders, and so does `unreachable` (as today, bounded by the budget).
        const verdict = await nth(leaseClients, iso.id).take(pageKey, () => stub);
        return verdict === 'refused' ? undefined : render(loc);
      });
    };
    sim.at(exponentialMs(rand, run.requestsPerS), request);
  }
  await sim.runSettling(run.durationMs);
  return { duplicatesPerPage: renders / run.pages - 1, rendersPerPage: renders / run.pages };
}
