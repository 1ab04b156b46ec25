// `npm run bench`: runs every bench/scenarios/*.mjs module (or those named on the command line),
// prints one table of ratios against the bare baseline, and writes bench/results.json.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from './lib.mjs';
import { root } from '../scripts/workers.mjs';

const only = process.argv.slice(2);
const dir = join(root, 'bench', 'scenarios');
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const bench = new Bench({
  duration: Number(process.env.BENCH_SECONDS ?? 4),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
});
const started = Date.now();
const failures = [];
for (const file of modules) {
  console.error(`bench: ${file}`);
  try {
    const { default: run } = await import(pathToFileURL(join(dir, file)).href);
    await run(bench);
  } catch (error) {
    failures.push(file);
    console.error(`bench: ${file} failed:`, error);
  } finally {
    await bench.close();
  }
}

const rows = bench.rows.map(({ scenario, rps, p50_ms, p99_ms, baseline, baseline_rps, ratio, goal, measure, pass }) => ({
  scenario,
  rps,
  p50_ms,
  p99_ms,
  baseline,
  baseline_rps,
  ratio,
  goal: measure === 'bytes' ? `<= ${goal}` : `>= ${goal}`,
  pass: pass ? 'yes' : 'NO',
}));
console.table(rows);
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(bench.rows, null, 2)}\n`);
console.log(`bench: ${bench.rows.length} rows in ${Math.round((Date.now() - started) / 1000)} s; bench/results.json written`);
if (failures.length) {
  console.error(`bench: scenario modules that failed: ${failures.join(', ')}`);
  process.exit(1);
}
