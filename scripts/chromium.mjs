// A headless Chromium that runs on a machine with no browser download: the binary shipped inside
// the npm package @sparticuz/chromium (or CHROMIUM_PATH, e.g. Debian's /usr/bin/chromium).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './workers.mjs';

/** Flags for a sandbox-less, network-quiet headless run (as root, no GPU, no background calls). */
export const CHROMIUM_ARGS = [
  '--headless=shell',
  '--no-sandbox',
  '--no-zygote',
  '--single-process',
  '--disable-gpu',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Path of a runnable Chromium; unpacks the packaged one to /tmp on first use. @returns {Promise<string>} */
export async function chromiumExecutable() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  // Only then: a machine with its own Chromium (the render service in production) needs no package.
  const { default: chromium } = await import('@sparticuz/chromium');
  return chromium.executablePath();
}

/**
 * puppeteer-core Browser on the local Chromium.
 * @param {import('puppeteer-core').LaunchOptions} [options]
 * @returns {Promise<import('puppeteer-core').Browser>}
 */
export async function launchChromium(options = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: await chromiumExecutable(),
    args: CHROMIUM_ARGS,
    headless: true,
    ...options,
  });
}

/** Miniflare's pinned Browser Rendering Chrome version(s), read from the installed copies. */
function miniflareBrowserVersions() {
  const candidates = [
    'node_modules/miniflare/dist/src/index.js',
    'node_modules/wrangler/node_modules/miniflare/dist/src/index.js',
    'node_modules/@cloudflare/vitest-plugin/node_modules/miniflare/dist/src/index.js',
  ];
  const versions = new Set();
  for (const file of candidates.map((c) => join(root, c))) {
    if (!existsSync(file)) continue;
    const match = readFileSync(file, 'utf8').match(/var BROWSER_VERSION = "([\d.]+)"/);
    if (match) versions.add(match[1]);
  }
  return [...versions];
}

/**
 * The Browser Rendering binding under `wrangler dev` and the vitest plugin downloads a Chrome into
 * $XDG_CACHE_HOME/.wrangler/chrome/linux-<version>/ and fails offline. An executable shim at that
 * path that execs the local Chromium makes it work. Returns the env to run wrangler/vitest with.
 * @returns {Promise<{ XDG_CACHE_HOME: string }>}
 */
export async function ensureBrowserRenderingShim(cacheHome = join(root, '.wrangler', 'cache')) {
  const executable = await chromiumExecutable();
  for (const version of miniflareBrowserVersions()) {
    const dir = join(cacheHome, '.wrangler', 'chrome', `linux-${version}`, 'chrome-linux64');
    mkdirSync(dir, { recursive: true });
    const shim = join(dir, 'chrome');
    // The browser is told to exit when the process that launched it does (setpriv, util-linux), so
    // stopping `wrangler dev` or a test run never leaves a Chromium behind.
    const flags = `--no-sandbox --disable-gpu --no-zygote --single-process "$@"`;
    writeFileSync(
      shim,
      `#!/bin/sh\nif command -v setpriv >/dev/null 2>&1; then exec setpriv --pdeathsig TERM "${executable}" ${flags}; fi\nexec "${executable}" ${flags}\n`,
    );
    chmodSync(shim, 0o755);
  }
  return { XDG_CACHE_HOME: cacheHome };
}
