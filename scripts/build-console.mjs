// The console's UI (workers/console/ui), built by Vite into build/console-ui/ and laid out in
// build/console/ with the same precompressed variants (Brotli 11, zstd 19, gzip 9, each kept only
// when it pays) and the same manifest as the SPA: scripts/build.mjs's `writeAssets`, pointed at
// another folder. The console worker serves build/console/ with the assets worker's negotiation.
//
// `npm run build` runs it after the SPA's build; `ensureConsoleBuilt()` (npm start, the console's
// tests, the bench) builds only when the UI's sources or these scripts changed since the last build.
import { statSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_NAME, withLock, writeAssets } from './build.mjs';
import { root } from './workers.mjs';

export const CONSOLE_UI = join(root, 'workers', 'console', 'ui');
export const CONSOLE_UI_OUT = join(root, 'build', 'console-ui');
export const CONSOLE_ASSETS = join(root, 'build', 'console');
const CONSOLE_MANIFEST = join(CONSOLE_ASSETS, MANIFEST_NAME);
/** What the UI imports from outside its folder (the contracts' types) counts as its input too. */
const INPUTS = [CONSOLE_UI, join(root, 'shared', 'operator'), join(root, 'scripts', 'build.mjs'), fileURLToPath(import.meta.url)];

/** @param {string} path @returns {number} */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    latest = Math.max(latest, newest(join(path, entry.name)));
  }
  return latest;
}

/** Builds the UI and lays out build/console/. @param {{ quiet?: boolean }} [options] */
export async function buildConsole({ quiet = false } = {}) {
  return withLock(() => build(quiet));
}

/** Builds only when build/console is missing or older than the UI's sources. */
export async function ensureConsoleBuilt() {
  return withLock(async () => {
    const built = statSync(CONSOLE_MANIFEST, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built <= Math.max(...INPUTS.map(newest))) await build(true);
  });
}

/** @param {boolean} quiet */
async function build(quiet) {
  const started = Date.now();
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(CONSOLE_UI, 'vite.config.ts'), logLevel: quiet ? 'silent' : 'warn' });
  const { stats } = writeAssets({ feedOrigin: null, from: CONSOLE_UI_OUT, source: 'workers/console/ui', out: CONSOLE_ASSETS });
  const now = new Date();
  utimesSync(CONSOLE_MANIFEST, now, now);
  if (!quiet) {
    console.log(
      `build: console UI: ${stats.files} files in build/console (${stats.compressed} variants compressed, ${stats.reused} reused) in ${Date.now() - started} ms`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildConsole();
  } catch (error) {
    console.error(`build: console UI: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
