// Prerendering a new page at fleet scale, in two designs, with the edge's real per-isolate
// coalescing (workers/edge/src/budget.ts `SingleFlight`) and the real lease decision
// (shared/lease/lease.ts `decideLease`):
//  - today: a miss renders unless this isolate is already rendering that page; the snapshot's KV
//    index is seen at once in the writer's location and within `propagationMs` elsewhere (KV is
//    eventually consistent), so every isolate that misses before then renders again;
//  - lease: the isolate's leader first takes the page's lease (one `Leases` object per page, where
//    its first caller is) for `leaseMs` (render timeout plus KV propagation); only the holder
//    renders, the others answer without a render (the SPA fallback) until the lease runs out. A
//    holder's render fails with probability `dieRate`: nothing is written; the holder renders again
//    on its next miss while it holds the lease, and after that the first miss anywhere does.
// Both take from a per-location render budget (the RENDER_LIMIT_GLOBAL rate limit, per location).
import { LeaseObject, Sim, exponentialMs, locationPicker, nth, random } from './sim.mjs';

/** @typedef {import('./sim.mjs').Fleet} Fleet */

/**
 * @param {{ decideLease: import('./sim.mjs').DecideLease, SingleFlight: new () => { run(key: string, work: () => Promise<unknown>): { promise: Promise<unknown>, leader: boolean } } }} d
 * @param {Fleet} fleet
 * @param {{ design: 'today' | 'lease', seed: number, capacityPerS: number, pages: number, requestsPerS: number, durationMs: number, propagationMs: number, leaseMs: number, dieRate: number, budgetPerMinute: number }} run
 */
export async function simulateRender(d, fleet, run) {
  const rand = random(run.seed);
  const sim = new Sim();
  const pick = locationPicker(fleet.locations);
  /** @type {Map<number, typeof fleet.isolates>} */
  const byLocation = new Map();
  for (const iso of fleet.isolates) byLocation.set(iso.loc, [...(byLocation.get(iso.loc) ?? []), iso]);
  const flights = fleet.isolates.map(() => new d.SingleFlight());
  /** @type {Map<string, { granted: boolean, until: number }>} */
  const known = new Map();
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
      nth(flights, iso.id).run(pageKey, () => {
        if (run.design === 'today') return render(loc);
        const mine = known.get(`${iso.id}:${pageKey}`);
        if (mine && sim.now < mine.until) return mine.granted ? render(loc) : Promise.resolve();
        const location = nth(fleet.locations, loc);
        leases ??= new LeaseObject(sim, run.capacityPerS, location, d.decideLease);
        const object = leases;
        return new Promise((resolve) => {
          object.acquire(
            location,
            iso.name,
            run.leaseMs,
            (answer) => {
              known.set(`${iso.id}:${pageKey}`, answer);
              resolve(answer.granted ? render(loc) : undefined);
            },
            // Unreachable: render (bounded by the budget), as today.
            () => resolve(render(loc)),
          );
        });
      });
    };
    sim.at(exponentialMs(rand, run.requestsPerS), request);
  }
  await sim.runSettling(run.durationMs);
  return { duplicatesPerPage: renders / run.pages - 1, rendersPerPage: renders / run.pages };
}
