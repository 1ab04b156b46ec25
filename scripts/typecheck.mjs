// Type-checks every worker as its own project (their generated `Cloudflare.Env` declarations would
// collide in one program), and a worker's UI beside it, then the services, test folders with a tsconfig of their own, the shared
// code, and the Node-side scripts, bench, demo and tests (the root tsconfig, with checkJs).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { root } from './workers.mjs';

const projects = [
  // A worker's browser code (workers/<name>/ui) checks as its own project: DOM types, not workerd's.
  ...readdirSync(`${root}/workers`).flatMap((name) => [`workers/${name}`, `workers/${name}/ui`]),
  ...readdirSync(`${root}/services`).map((name) => `services/${name}`),
  ...readdirSync(`${root}/test`).map((name) => `test/${name}`),
  'shared',
  '.',
].filter((dir) => existsSync(`${root}/${dir}/tsconfig.json`));

let failed = 0;
for (const project of projects) {
  try {
    execFileSync('tsc', ['-p', project], { cwd: root, stdio: 'inherit' });
    console.log(`typecheck ok: ${project}`);
  } catch {
    failed++;
    console.error(`typecheck FAILED: ${project}`);
  }
}
process.exit(failed ? 1 : 0);
