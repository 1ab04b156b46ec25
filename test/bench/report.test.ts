// The run's machine check and table, from rows as the bench writes them.
import { describe, expect, it } from 'vitest';
import { machineCheck, noiseReport, table, type Row } from '../../bench/report.mjs';

const calibration = (when: string, ratio = 1, low = 0.97, high = 1.03): Row => ({
  scenario: `calibration (${when}): baseline vs itself`,
  ratio,
  ratio_low: low,
  ratio_high: high,
  rounds: 6,
  verdict: low >= 0.95 && high <= 1.05 ? 'pass' : 'undecided',
  goal: 0.95,
  goal_max: 1.05,
  measure: 'rps',
  rps: 1000,
  baseline_rps: 1000,
});
const load: Row = {
  scenario: 'redirector: hot link',
  ratio: 0.93,
  ratio_low: 0.91,
  ratio_high: 0.95,
  rounds: 12,
  verdict: 'pass',
  goal: 0.9,
  measure: 'rps',
  rps: 930,
  baseline_rps: 1000,
  seconds: 7.4,
};
const bytes: Row = {
  scenario: 'redirector bundle gzip bytes',
  ratio: 0.33,
  ratio_low: 0.33,
  ratio_high: 0.33,
  rounds: 1,
  verdict: 'pass',
  goal: 1,
  better: 'lower',
  measure: 'bytes',
  exact: true,
  ours: 6748,
  reference: 20480,
};
const render: Row = {
  scenario: 'renderer: render a page',
  ratio: 0.4,
  ratio_low: 0.35,
  ratio_high: 0.5,
  rounds: 6,
  verdict: 'context',
  goal: null,
  better: 'lower',
  measure: 'ms',
  ours_median: 600,
  baseline_median: 1500,
};

describe('machine check', () => {
  it('holds when both calibrations read within the band', () => {
    const check = machineCheck([calibration('first'), load, bytes, calibration('last', 1.04)]);
    expect(check).toMatchObject({ noisy: false, affected: [] });
    expect(noiseReport(check)).toBe('');
  });

  it('reads the ratio, not the interval: a wide but centred calibration leaves rows to their own intervals', () => {
    expect(machineCheck([calibration('first', 0.98, 0.8, 1.2), load, calibration('last')]).noisy).toBe(false);
  });

  it.each([
    { first: 0.93, last: 1 },
    { first: 1, last: 1.06 },
    { first: 0.89, last: 1.2 },
  ])('marks every measured row, not exact ones, when the calibration reads $first then $last', ({ first, last }) => {
    const check = machineCheck([calibration('first', first), load, bytes, render, calibration('last', last)]);
    expect(check.noisy).toBe(true);
    expect(check.affected.map((r) => r.scenario)).toEqual([load.scenario, render.scenario]);
    const report = noiseReport(check);
    expect(report).toContain(`it read ${first} (interval 0.97–1.03) then ${last} (interval 0.97–1.03)`);
    expect(report).toContain(`  - ${load.scenario}\n  - ${render.scenario}`);
  });

  it('counts a calibration that could not be taken (its step crashed) as noisy', () => {
    expect(machineCheck([calibration('first'), load]).noisy).toBe(true);
  });
});

describe('table', () => {
  it('shows the interval, the goal and its direction, the rounds and the verdict of every row', () => {
    const lines = table([calibration('first'), load, bytes, render, { ...load, noisy: true }]).split('\n');
    expect(lines[0]).toBe('| scenario | ratio | interval | goal | rounds | verdict | ours / baseline | s |');
    expect(lines[2]).toBe('| calibration (first): baseline vs itself | 1.000 | 0.970–1.030 | 0.95–1.05 | 6 | pass | 1000 / 1000 rps |  |');
    expect(lines[3]).toBe('| redirector: hot link | 0.930 | 0.910–0.950 | >= 0.9 | 12 | pass | 930 / 1000 rps | 7 |');
    expect(lines[4]).toBe('| redirector bundle gzip bytes | 0.330 | exact | <= 1 | 1 | pass | 6748 / 20480 |  |');
    expect(lines[5]).toBe('| renderer: render a page | 0.400 | 0.350–0.500 | context | 6 | context | 600 / 1500 ms |  |');
    expect(lines[6]).toContain('| pass (noisy) |');
  });

  it('shows CPU per request of both sides, with their throughput beside it, for a CPU row', () => {
    const cpu: Row = { ...load, measure: 'cpu', cpu_us: 112.4, baseline_cpu_us: 104.5 };
    expect(table([cpu]).split('\n')[2]).toBe(
      '| redirector: hot link | 0.930 | 0.910–0.950 | >= 0.9 | 12 | pass | 112.4 / 104.5 µs CPU (930 / 1000 rps) | 7 |',
    );
  });
});
