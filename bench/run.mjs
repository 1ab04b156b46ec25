// `npm run bench [-- <prefix>...] [--strict]`: the calibration, every bench/scenarios/*.mjs module
// (or those whose file name starts with a prefix), the calibration again; prints one table of
// ratios with their intervals and verdicts, and writes bench/results.json.
//
// Exit code: 1 when a module crashed; with --strict, 2 when the calibration says the machine was
// too noisy (without --strict that is reported and the exit code stays 0).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALIBRATION_PREFIX, calibrate } from './calibration.mjs';
import { Bench } from './lib.mjs';
import { machineCheck, noiseReport, table } from './report.mjs';
import { root } from '../scripts/workers.mjs';

/** After this many seconds the run is late: rows stop at their first look so that it ends within 8 minutes. */
const LATE_AFTER_SECONDS = Number(process.env.BENCH_LATE_AFTER ?? 330);

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const only = args.filter((a) => !a.startsWith('--'));
const dir = join(root, 'bench', 'scenarios');
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .sort();
const modules = available.filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
const calibrationOnly = only.length > 0 && only.every((o) => CALIBRATION_PREFIX.startsWith(o));
if (modules.length === 0 && !calibrationOnly) {
  console.error(`bench: no module matches ${only.join(', ')}; modules: ${available.join(', ')} (or "calibration" alone)`);
  process.exit(1);
}

const bench = new Bench({
  sliceSeconds: Number(process.env.BENCH_SLICE_SECONDS ?? 0.1),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  rowSeconds: Number(process.env.BENCH_ROW_SECONDS ?? 12),
});
const started = performance.now();
bench.lateAfter = started + LATE_AFTER_SECONDS * 1000;
/** @type {string[]} */
const failures = [];

/** @param {string} name @param {() => Promise<unknown>} run */
async function step(name, run) {
  const at = performance.now();
  console.error(`bench: ${name}`);
  try {
    await run();
  } catch (error) {
    failures.push(name);
    console.error(`bench: ${name} failed:`, error);
  } finally {
    await bench.close();
    console.error(`bench: ${name} took ${Math.round((performance.now() - at) / 1000)} s`);
  }
}

/**
 * Simulations (`export const simulation = true`: seeded, exact rows, no load on a worker) run after
 * the last calibration: the calibrations bracket the timed rows, and the time a simulation takes
 * does not push timed rows past the late point.
 */
const loaded = [];
for (const file of modules) {
  const module = await import(pathToFileURL(join(dir, file)).href);
  loaded.push({ file, run: module.default, simulation: module.simulation === true });
}

await step('calibration (first)', () => calibrate(bench, 'first'));
for (const { file, run } of loaded.filter((m) => !m.simulation)) await step(file, () => run(bench));
await step('calibration (last)', () => calibrate(bench, 'last'));
for (const { file, run } of loaded.filter((m) => m.simulation)) await step(file, () => run(bench));

const check = machineCheck(bench.rows);
for (const row of check.affected) row.noisy = true;
const seconds = Math.round((performance.now() - started) / 1000);
console.log(table(bench.rows));
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(bench.rows, null, 2)}\n`);
console.log(`bench: ${bench.rows.length} rows in ${seconds} s; bench/results.json written`);
if (check.noisy) console.log(noiseReport(check));
if (failures.length) {
  console.error(`bench: modules that failed: ${failures.join(', ')}`);
  process.exit(1);
}
if (strict && check.noisy) process.exit(2);
