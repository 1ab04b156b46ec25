// Calibration: the baseline against itself. A ratio far from 1 means the machine is too noisy for
// the other rows to be read closely.
/** @param {import('../lib.mjs').Bench} bench */
export default async function baseline(bench) {
  const a = await bench.baseline({ status: 200, body: 'ok' });
  const b = await bench.baseline({ status: 200, body: 'ok' });
  await bench.compare({
    scenario: 'calibration: baseline vs itself',
    request: { url: `${a.url}/` },
    baselineName: 'bare worker: constant 200',
    baseline: { url: `${b.url}/` },
    goal: 0.9,
  });
}
