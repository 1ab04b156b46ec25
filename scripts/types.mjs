// Generates (or with --check, verifies) the Env types that `wrangler types` derives from
// wrangler.toml: one runtime file for all workers, and one Env interface per worker, because each
// worker type-checks as its own project (their `Cloudflare.Env` declarations would collide).
import { execFileSync } from 'node:child_process';
import { productWorkers, envInterface, root } from './workers.mjs';

const check = process.argv.includes('--check');
const wrangler = (/** @type {string[]} */ args) =>
  execFileSync('npx', ['wrangler', 'types', ...args, ...(check ? ['--check'] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });

let stale = 0;
/**
 * @param {string} label
 * @param {string[]} args
 */
function run(label, args) {
  try {
    wrangler(args);
    console.log(`${check ? 'up to date' : 'generated'}: ${label}`);
  } catch (error) {
    stale++;
    console.error(`${check ? 'STALE' : 'FAILED'}: ${label}; run \`npm run types\``);
    const { stdout, stderr } = /** @type {{ stdout?: Buffer, stderr?: Buffer }} */ (error);
    console.error(String(stdout ?? ''), String(stderr ?? ''));
  }
}

run('types/runtime.d.ts', ['--include-env=false', 'types/runtime.d.ts']);
for (const { name } of productWorkers()) {
  run(`workers/${name}/worker-configuration.d.ts`, [
    '--env',
    name,
    '--env-interface',
    envInterface(name),
    '--include-runtime=false',
    `workers/${name}/worker-configuration.d.ts`,
  ]);
}
process.exit(stale ? 1 : 0);
