// `npm run deploy -- <worker> --stage <staging|production> [--dry-run]`: deploys one worker to one
// stage with the config generated from wrangler.toml and stages/<stage>.toml (scripts/stages.mjs).
//
//   --dry-run   bundles and validates without uploading (no account needed): wrangler deploy
//               --dry-run, bundle in .wrangler/stages/<stage>/<worker>/; the SPA is not rebuilt
//
// A real deploy of `assets` first builds the SPA (SPA_DIST, or the demo with the stage's [build]
// environment) with the stage's skew window mirrored from its R2 bucket around the build and the
// deploy (scripts/history-r2.mjs), a real deploy of `console` its UI, and any deploy refuses a config that still holds a <placeholder>. Secrets are set
// apart: `npx wrangler secret put <NAME> --name <worker>-<stage>`. An unknown worker or stage, or
// an invalid stage file, is an error (exit 2) that deploys nothing.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pruneHistory, pullHistory, pushHistory, wranglerBucket } from './history-r2.mjs';
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
  const build = worker === 'assets' && !dryRun ? (overlay.build ?? {}) : null;
  return { worker, stage, dryRun, file, outdir, args, unset, build, history: build ? historyOf(config, stage) : null };
}

/**
 * The stage's skew window, when the assets worker reads it from R2 (HISTORY_STORE = "r2"): the
 * bucket bound as HISTORY, and the folder the deploy mirrors it in.
 * @param {Record<string, unknown>} config
 * @param {string} stage
 */
export function historyOf(config, stage) {
  const vars = /** @type {Record<string, string> | undefined} */ (config.vars);
  if (vars?.HISTORY_STORE !== 'r2') return null;
  const buckets = /** @type {Array<{ binding: string, bucket_name: string }> | undefined} */ (config.r2_buckets);
  const bucket = buckets?.find((b) => b.binding === 'HISTORY')?.bucket_name;
  if (!bucket) throw new StageError(`assets at ${stage}: HISTORY_STORE is "r2" but no r2_buckets entry binds HISTORY`);
  return { bucket, dir: join(root, 'build', 'history', stage) };
}

/** @param {string[]} argv */
async function main(argv) {
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
  const history = plan.history ? { ...plan.history, bucket: wranglerBucket(plan.history.bucket), name: plan.history.bucket } : null;
  const before = history ? await pullWindow(history) : null;
  if (plan.build) {
    const env = { ...process.env, ...plan.build, ...(history ? { ASSETS_HISTORY_DIR: history.dir } : {}) };
    const status = run(process.execPath, [join(root, 'scripts', 'build.mjs')], env);
    if (status !== 0) return status;
  }
  if (history && before) {
    const pushed = await pushHistory(history.bucket, history.dir, before);
    console.log(`deploy: skew window: ${pushed} new files in r2://${history.name}`);
  }
  if (plan.worker === 'console' && !plan.dryRun) {
    const status = run(process.execPath, [join(root, 'scripts', 'build-console.mjs')]);
    if (status !== 0) return status;
  }
  if (plan.dryRun) rmSync(plan.outdir, { recursive: true, force: true });
  const status = run('npx', plan.args);
  if (status === 0 && history && before) {
    const pruned = await pruneHistory(history.bucket, history.dir, before);
    console.log(`deploy: skew window: ${pruned} files of builds past the window removed from r2://${history.name}`);
  }
  return status;
}

/**
 * Step 1 of the window's mirror (scripts/history-r2.mjs), into a folder emptied first.
 * @param {{ bucket: import('./history-r2.mjs').Bucket, dir: string, name: string }} history
 */
async function pullWindow({ bucket, dir, name }) {
  rmSync(dir, { recursive: true, force: true });
  const before = await pullHistory(bucket, dir);
  console.log(`deploy: skew window: ${before.builds.length} builds in r2://${name}`);
  return before;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(await main(process.argv.slice(2)));
