// What a run says: the machine check from its calibration rows, and the printed table.
// Pure functions of the rows, so the rules are tested without running a bench.
import { CALIBRATION_BAND, CALIBRATION_PREFIX } from './calibration.mjs';

/**
 * @typedef {{ scenario: string, ratio: number, ratio_low: number, ratio_high: number, rounds: number,
 *   verdict: string, goal: number | null, goal_max?: number, better?: string, exact?: boolean,
 *   noisy?: boolean, measure?: string, rps?: number | null, baseline_rps?: number | null,
 *   p50_ms?: number | null, baseline_p50_ms?: number, p99_ms?: number | null, baseline_p99_ms?: number, ours_median?: number, baseline_median?: number,
 *   ours?: number, reference?: number, seconds?: number, cpu_us?: number, baseline_cpu_us?: number }} Row
 */

/** @param {Row} row */
export const isCalibration = (row) => row.scenario.startsWith(CALIBRATION_PREFIX);

/**
 * The machine check. The calibration (the baseline against itself) runs first and last; its ratio
 * is 1 on a machine that measures both sides alike. If either calibration's ratio strays outside
 * the band, or one could not be taken, the machine was too noisy for part of the run, and with
 * only those two checkpoints there is no telling which part: every measured row is affected (not
 * the exact ones, bytes and counts, which noise cannot move). The check reads the ratio, not the
 * interval: a bias is what the rows' own intervals cannot see, while plain spread already shows in
 * them (a noisy machine leaves rows undecided rather than wrong).
 * @param {Row[]} rows
 * @param {{ band?: [number, number], calibrationsExpected?: number }} [options]
 * @returns {{ noisy: boolean, calibrations: Row[], affected: Row[] }}
 */
export function machineCheck(rows, { band = CALIBRATION_BAND, calibrationsExpected = 2 } = {}) {
  const calibrations = rows.filter(isCalibration);
  const strays = (/** @type {Row} */ row) => row.ratio < band[0] || row.ratio > band[1];
  const noisy = calibrations.length < calibrationsExpected || calibrations.some(strays);
  const affected = noisy ? rows.filter((row) => !isCalibration(row) && !row.exact) : [];
  return { noisy, calibrations, affected };
}

/** @param {Row} row */
export function goalText(row) {
  if (row.goal === null) return 'context';
  if (row.goal_max !== undefined) return `${row.goal}–${row.goal_max}`;
  return row.better === 'lower' || row.measure === 'bytes' ? `<= ${row.goal}` : `>= ${row.goal}`;
}

/** Four significant digits, whole numbers from 1,000 up. @param {number | null | undefined} n */
const num = (n) => (typeof n !== 'number' ? '?' : Math.abs(n) >= 1000 ? String(Math.round(n)) : String(Number(n.toPrecision(4))));

/** What was compared, in the row's own units. @param {Row} row */
function measuredText(row) {
  if (row.exact) return `${num(row.ours)} / ${num(row.reference)}`;
  if (row.measure === 'rps') return `${num(row.rps)} / ${num(row.baseline_rps)} rps`;
  if (row.measure === 'cpu')
    return `${num(row.cpu_us)} / ${num(row.baseline_cpu_us)} µs CPU (${num(row.rps)} / ${num(row.baseline_rps)} rps)`;
  if (row.measure === 'p50') return `p50 ${num(row.p50_ms)} / ${num(row.baseline_p50_ms)} ms`;
  if (row.measure === 'p99') return `p99 ${num(row.p99_ms)} / ${num(row.baseline_p99_ms)} ms`;
  return `${num(row.ours_median)} / ${num(row.baseline_median)} ${row.measure ?? ''}`.trim();
}

/**
 * What the run says about the machine, in a sentence, or nothing when the calibration held.
 * @param {ReturnType<typeof machineCheck>} check
 */
export function noiseReport(check, band = CALIBRATION_BAND) {
  if (!check.noisy) return '';
  const read = check.calibrations.map((c) => `${c.ratio} (interval ${c.ratio_low}–${c.ratio_high})`).join(' then ') || 'nothing';
  return [
    `bench: the machine was too noisy: the calibration (baseline vs itself, first and last) must read within ${band.join('–')}; it read ${read}.`,
    `bench: with only those two checkpoints there is no telling when; every measured row is affected:`,
    ...check.affected.map((row) => `  - ${row.scenario}`),
  ].join('\n');
}

/**
 * The run's table in Markdown (it pastes into bench/README.md as is).
 * @param {Row[]} rows
 */
export function table(rows) {
  const header = ['scenario', 'ratio', 'interval', 'goal', 'rounds', 'verdict', 'ours / baseline', 's'];
  const lines = rows.map((row) => [
    row.scenario,
    row.ratio.toFixed(3),
    row.exact ? 'exact' : `${row.ratio_low.toFixed(3)}–${row.ratio_high.toFixed(3)}`,
    goalText(row),
    String(row.rounds),
    row.noisy ? `${row.verdict} (noisy)` : row.verdict,
    measuredText(row),
    row.seconds === undefined ? '' : String(Math.round(row.seconds)),
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
