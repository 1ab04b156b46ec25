// Calibration: the bare baseline against a second copy of itself, measured like any load row.
// Its ratio is 1 on a machine that measures fairly; the run takes it first and last, and a
// calibration whose interval leaves the band marks the run's measured rows as taken on a noisy
// machine.

/** The calibration passes when its whole interval lies in this band. */
export const CALIBRATION_BAND = /** @type {[number, number]} */ ([0.95, 1.05]);

export const CALIBRATION_PREFIX = 'calibration';

/**
 * @param {import('./lib.mjs').Bench} bench
 * @param {'first' | 'last'} when
 */
export async function calibrate(bench, when) {
  const a = await bench.baseline({ status: 200, body: 'ok' });
  const b = await bench.baseline({ status: 200, body: 'ok' });
  return bench.compare({
    scenario: `${CALIBRATION_PREFIX} (${when}): baseline vs itself`,
    request: { url: `${a.url}/` },
    baselineName: 'bare worker: constant 200',
    baseline: { url: `${b.url}/` },
    goal: CALIBRATION_BAND[0],
    band: CALIBRATION_BAND,
    expectStatus: 200,
  });
}
