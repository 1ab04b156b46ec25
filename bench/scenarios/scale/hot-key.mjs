// The last good feed's KV write at fleet scale, in two designs, with the real lease decision
// (shared/lease/lease.ts `decideLease`):
//  - today: every isolate writes the tab's key on its first live answer and then at most once per
//    `intervalMs` (workers/feed/src/feed.ts `takeWriteSlot`);
//  - lease: the same throttle, then the tab's lease (a `Leases` object where its first caller is):
//    the winner writes, the others skip until the lease runs out (workers/feed/src/writer.ts). A
//    winner dies before writing with probability `dieRate` (that interval goes unwritten). Those
//    refused ask again at a random point of the next interval (`askAgainAt`). The run starts with a
//    deploy (every isolate fresh at once); with `firstSpreadMs`, an isolate's first ask waits for a
//    random point of that span (writer.ts, CACHE_WRITE_FIRST_SPREAD_S) instead of going at once.
import { LeaseObject, Sim, exponentialMs, nth, random } from './sim.mjs';

/** @typedef {import('./sim.mjs').Fleet} Fleet */

/**
 * @param {{ decideLease: import('./sim.mjs').DecideLease, askAgainAt: (answer: { until: number }, ttlMs: number, u: number) => number }} d
 * @param {Fleet} fleet
 * @param {{ design: 'today' | 'lease', seed: number, capacityPerS: number, intervalMs: number, durationMs: number, dieRate: number, firstSpreadMs: number }} run
 */
export function simulateHotKey(d, fleet, run) {
  const rand = random(run.seed);
  const sim = new Sim();
  let writes = 0;
  /** @type {Map<number, number>} */
  const writesPerSecond = new Map();
  const write = () => {
    writes++;
    const second = Math.floor(sim.now / 1000);
    writesPerSecond.set(second, (writesPerSecond.get(second) ?? 0) + 1);
  };
  /** @type {LeaseObject | undefined} */
  let leases;
  for (const iso of fleet.isolates) {
    const location = nth(fleet.locations, iso.loc);
    /** @type {{ granted: boolean, until: number } | undefined} */
    let known;
    /** @type {number | undefined} */
    let firstAsk;
    // A write slot (feed.ts takeWriteSlot): today the first request after the last slot's
    // interval; with the lease, the first after the lease answer's time (writer.ts).
    const attempt = () => {
      const t = sim.now;
      if (run.design === 'today') {
        sim.at(t + run.intervalMs + exponentialMs(rand, iso.ratePerS), attempt);
        return write();
      }
      if (!known && run.firstSpreadMs > 0) {
        // A fresh isolate: its first ask waits for its point of the spread (skipping its writes).
        firstAsk ??= t + Math.floor(rand() * run.firstSpreadMs);
        if (t < firstAsk) return sim.at(firstAsk + exponentialMs(rand, iso.ratePerS), attempt);
      }
      sim.at(Math.max(t + run.intervalMs, known?.until ?? 0) + exponentialMs(rand, iso.ratePerS), attempt);
      if (known && t < known.until) return;
      leases ??= new LeaseObject(sim, run.capacityPerS, location, d.decideLease);
      leases.acquire(
        location,
        iso.name,
        run.intervalMs,
        (answer) => {
          known = answer.granted ? answer : { granted: false, until: d.askAgainAt(answer, run.intervalMs, rand()) };
          if (answer.granted && rand() >= run.dieRate) write();
        },
        // Unreachable or overloaded: skipped, asked again at a random point of the next interval (writer.ts).
        (/** @type {number} */ at) => {
          known = { granted: false, until: at + rand() * run.intervalMs };
        },
      );
    };
    sim.at(exponentialMs(rand, iso.ratePerS), attempt);
  }
  sim.run(run.durationMs);
  return {
    writesPerKeyPerS: writes / (run.durationMs / 1000),
    peakWritesPerS: Math.max(0, ...writesPerSecond.values()),
    leasePeakRpcPerS: leases?.server.peakPerS() ?? 0,
  };
}
