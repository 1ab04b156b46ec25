// `npm run deploy -- <worker> --stage <staging|production> [--dry-run]`: deploys one worker to one
// stage with the config generated from wrangler.toml and stages/<stage>.toml (scripts/stages.mjs).
//
//   --dry-run   bundles and validates without uploading (no account needed): wrangler deploy
//               --dry-run, bundle in .wrangler/stages/<stage>/<worker>/; the SPA is not rebuilt
//
// A real deploy of `assets` first builds the SPA (SPA_DIST, or the demo with the stage's [build]
// environment), a real deploy of `console` its UI, and any deploy refuses a config that still holds a <placeholder>. Secrets are set
// apart: `npx wrangler secret put <NAME> --name <worker>-<stage>`. An unknown worker or stage, or
// an invalid stage file, is an error (exit 2) that deploys nothing.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StageError, bundleDir, checkStage, checkWorker, loadStage, placeholders, writeStageConfig } from './stages.mjs';
import { root } from './workers.mjs';

export const USAGE = 'usage: npm run deploy -- <worker> --stage <staging|production> [--dry-run]';

/**
 * Checks the arguments and writes the generated config; answers the wrangler arguments to run.
 * @param {string[]} argv
 */
export function deployPlan(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { stage: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new StageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || !values.stage) throw new StageError(USAGE);
  const worker = checkWorker(/** @type {string} */ (positionals[0]));
  const stage = checkStage(values.stage);
  const dryRun = values['dry-run'];
  const overlay = loadStage(stage);
  const { file, config } = writeStageConfig(worker, stage);
  const unset = placeholders(config);
  if (unset.length > 0 && !dryRun) {
    throw new StageError(`stages/${stage}.toml still holds placeholders for ${worker}; fill them in first:\n  ${unset.join('\n  ')}`);
  }
  const outdir = bundleDir(worker, stage);
  // Absolute: wrangler resolves a relative --outdir against the config's folder for some files only.
  const args = ['wrangler', 'deploy', '--config', file, ...(dryRun ? ['--dry-run', '--outdir', outdir] : [])];
  return { worker, stage, dryRun, file, outdir, args, unset, build: worker === 'assets' && !dryRun ? (overlay.build ?? {}) : null };
}

/** @param {string[]} argv */
function main(argv) {
  let plan;
  try {
    plan = deployPlan(argv);
  } catch (error) {
    if (!(error instanceof StageError)) throw error;
    console.error(`deploy: ${error.message}`);
    return 2;
  }
  console.log(`deploy: ${plan.worker} to ${plan.stage}${plan.dryRun ? ' (dry run)' : ''} with ${relative(root, plan.file)}`);
  for (const line of plan.unset) console.log(`deploy: placeholder (fill in before a real deploy): ${line}`);
  /** @param {string} command @param {string[]} args @param {NodeJS.ProcessEnv} [env] */
  const run = (command, args, env = process.env) =>
    spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, WRANGLER_SEND_METRICS: 'false' } }).status ?? 1;
  if (plan.build) {
    const status = run(process.execPath, [join(root, 'scripts', 'build.mjs')], { ...process.env, ...plan.build });
    if (status !== 0) return status;
  }
  if (plan.worker === 'console' && !plan.dryRun) {
    const status = run(process.execPath, [join(root, 'scripts', 'build-console.mjs')]);
    if (status !== 0) return status;
  }
  if (plan.dryRun) rmSync(plan.outdir, { recursive: true, force: true });
  return run('npx', plan.args);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
