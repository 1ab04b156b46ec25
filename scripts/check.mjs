// `npm run check` (part of `npm test`): generated Env types up to date, type-check, lint, formatting,
// and `npm run deploy -- <worker> --stage <stage> --dry-run` of every worker for every stage, each
// within a gzipped bundle-size budget.
//
// Budgets: the platform limit is 3 MB gzipped (10 MB on paid plans), but size is also cold-start
// time, which every request on a fresh isolate pays. Each budget is the size measured when it was
// set (2026-11: assets 6.4, redirector 6.1, edge 56, shortener 64, feed 66, console 58, renderer 275 KB) plus
// about half again, so a dependency that balloons a worker fails here, not in production. The
// redirector's 20 KB is the target of its hot path: it must stay as small as a router gets. The
// renderer is big because @cloudflare/puppeteer is; it is off every user's hot path.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { STAGES, bundleDir } from './stages.mjs';
import { productWorkers, root } from './workers.mjs';

const KB = 1024;
/** @type {Record<string, number>} */
export const BUDGETS = {
  assets: 16 * KB,
  redirector: 20 * KB,
  edge: 90 * KB,
  shortener: 100 * KB,
  feed: 100 * KB,
  renderer: 400 * KB,
  console: 90 * KB,
};

/** @type {Array<{ step: string, result: string, detail: string }>} */
const steps = [];
/**
 * @param {string} name
 * @param {() => string | void} fn
 */
function step(name, fn) {
  try {
    const detail = fn();
    steps.push({ step: name, result: 'ok', detail: detail ?? '' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    steps.push({ step: name, result: 'FAILED', detail: message.split('\n')[0] ?? '' });
  }
}
/**
 * @param {string} cmd
 * @param {string[]} args
 */
const sh = (cmd, args) =>
  execFileSync(cmd, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  }).toString();

step('Env types up to date (wrangler types --check)', () => void sh(process.execPath, ['scripts/types.mjs', '--check']));
step(
  'type-check (tsc, one project per worker and service)',
  () => void execFileSync(process.execPath, ['scripts/typecheck.mjs'], { cwd: root, stdio: 'inherit' }),
);
step('lint (oxlint)', () => void execFileSync('npm', ['run', '--silent', 'lint'], { cwd: root, stdio: 'inherit' }));
step('format (prettier --check)', () => void execFileSync('npm', ['run', '--silent', 'format:check'], { cwd: root, stdio: 'inherit' }));

for (const stage of STAGES) {
  for (const { name } of productWorkers()) {
    step(`npm run deploy -- ${name} --stage ${stage} --dry-run`, () => {
      try {
        sh(process.execPath, ['scripts/deploy.mjs', name, '--stage', stage, '--dry-run']);
      } catch (error) {
        const output = /** @type {{ stdout?: Buffer }} */ (error).stdout?.toString() ?? '';
        console.error(output);
        throw error;
      }
      const outdir = bundleDir(name, stage);
      const bytes = readdirSync(outdir)
        .filter((f) => !f.endsWith('.map') && !f.endsWith('.json'))
        .reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
      const budget = BUDGETS[name] ?? 0;
      const line = `${(bytes / KB).toFixed(1)} KB gzipped, budget ${budget / KB} KB`;
      if (bytes > budget) throw new Error(`over budget: ${line}`);
      return line;
    });
  }
}

console.table(steps);
process.exit(steps.some((s) => s.result !== 'ok') ? 1 : 0);
