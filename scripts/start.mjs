// `npm start`: the whole local stack on its fixed ports, no account, no network.
// Builds the SPA (the demo, or SPA_DIST=<folder of a built SPA>), runs `wrangler dev --env <name>`
// for every worker (they find each other through wrangler's dev registry) and the demo services,
// and, with `--render-service`, the self-hosted render service in front of the renderer.
//
// Every port answers on http://localhost, http://127.0.0.1 and http://[::1] (scripts/loopback.mjs).
// A worker that exits is restarted (a few times, with backoff); the demo recommender or the render
// service exiting is reported and the workers keep running (scripts/supervise.mjs). Ctrl-C stops
// every process it started.
//
// Environment: SPA_DIST (serve that built SPA), STACK_STATE_DIR (default .wrangler/state),
// STACK_LOG_DIR (write each process's output to <dir>/<name>.log instead of the terminal),
// STACK_SKIP_BUILD=1 (serve build/ as it is), STACK_RENDER_SERVICE=1 (same as --render-service),
// WRANGLER_REGISTRY_PATH (wrangler's dev registry; default .wrangler/registry of this checkout).
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { forwardIpv6Loopback } from './loopback.mjs';
import { afterExit, exitReason } from './supervise.mjs';
import { RECOMMENDER_PORT, RENDER_SERVICE_PORT, productWorkers, root } from './workers.mjs';

/**
 * @typedef {import('./supervise.mjs').ProcessKind} ProcessKind
 * @typedef {{ name: string, kind: ProcessKind, port: number, command: string, args: string[],
 *   env: Record<string, string>, bringBack: string | null, startedAt: number, restarts: number,
 *   child: import('node:child_process').ChildProcess | null, timer: NodeJS.Timeout | null }} Managed
 */

const { values: flags } = parseArgs({ options: { 'render-service': { type: 'boolean', default: false } } });
const withRenderService = flags['render-service'] || process.env.STACK_RENDER_SERVICE === '1';
const stateDir = process.env.STACK_STATE_DIR ?? join(root, '.wrangler', 'state');
const logDir = process.env.STACK_LOG_DIR;
/** Workers that share local state (and so one --persist-to folder). @type {Record<string, string>} */
const STATE_GROUPS = { shortener: 'links', redirector: 'links' };
/**
 * Workers started only once others answer: a service binding or a Durable Object's script_name is
 * resolved through the dev registry, and a worker that starts first may bind to an entry a stopped
 * stack left behind. The redirector also shares the shortener's state folder (SQLITE_BUSY). The edge
 * waits for the feed too: its first renders (the warm-up) would otherwise snapshot the home page
 * while the feed is not up yet, with the SPA's "feed could not be loaded" in it.
 * @type {Record<string, string[]>}
 */
const STARTS_AFTER = { edge: ['assets', 'renderer', 'feed'], redirector: ['shortener'], console: ['shortener', 'edge', 'feed'] };
/** Where wrangler dev processes find each other: this checkout's own registry unless one is given. */
const registryDir = process.env.WRANGLER_REGISTRY_PATH ?? join(root, '.wrangler', 'registry');
/** @type {Managed[]} */
const managed = [];
/** @type {Array<{ close(): Promise<void> }>} */
const forwarders = [];
let stopping = false;

const say = (/** @type {string} */ line) => console.log(`[start] ${line}`);

/** @param {Managed} proc */
function launch(proc) {
  const child = spawn(proc.command, proc.args, {
    cwd: root,
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_REGISTRY_PATH: registryDir,
      FORCE_COLOR: '0',
      // Local `request.cf` is Miniflare's placeholder (US, a bot score of 99) unless set otherwise:
      // fetching a real one from workers.cloudflare.com fails offline with an error per worker.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
      ...proc.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stopping kills workerd grandchildren too
  });
  proc.child = child;
  proc.startedAt = Date.now();
  say(`${proc.name} started (pid ${child.pid})`);
  const sink = logDir ? createWriteStream(join(logDir, `${proc.name}.log`), { flags: 'a' }) : null;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk) => {
      if (sink) return void sink.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) process.stdout.write(`[${proc.name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    sink?.end();
    if (stopping) return;
    // The group may hold children of the exited process (workerd): never leave them behind.
    killGroup(child, 'SIGKILL');
    onExit(proc, exitReason(code, signal));
  });
}

/**
 * @param {Managed} proc
 * @param {string} reason
 */
function onExit(proc, reason) {
  const decision = afterExit(proc.kind, proc, Date.now());
  if (decision.action === 'restart') {
    proc.restarts = decision.restarts;
    say(`${proc.name} ${reason}; restarting it in ${decision.delayMs / 1000} s (restart ${decision.restarts})`);
    proc.timer = setTimeout(() => {
      proc.timer = null;
      if (!stopping) launch(proc);
    }, decision.delayMs);
    return;
  }
  proc.child = null;
  if (proc.kind === 'worker') {
    say(`${proc.name} ${reason} after ${proc.restarts} restarts; leaving it down, the rest of the stack keeps running`);
  } else {
    say(`${proc.name} ${reason}; the workers keep running; bring it back with: ${proc.bringBack}`);
  }
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

/** @param {number} code */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const proc of managed) if (proc.timer) clearTimeout(proc.timer);
  const running = managed.flatMap((proc) => (proc.child && proc.child.exitCode === null && !proc.child.signalCode ? [proc.child] : []));
  for (const child of running) killGroup(child, 'SIGTERM');
  // wrangler removes its dev-registry entry on the way out: give it time before forcing.
  const deadline = setTimeout(() => {
    for (const child of running) killGroup(child, 'SIGKILL');
  }, 10_000);
  await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  clearTimeout(deadline);
  // wrangler's workerd children live in the same groups: make sure none outlives its parent.
  for (const child of running) killGroup(child, 'SIGKILL');
  await Promise.all(forwarders.map((f) => f.close()));
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/**
 * @param {string} name
 * @param {number} port
 */
async function waitForPort(name, port, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (stopping) return;
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${name} did not answer on port ${port} within ${timeoutMs / 1000} s`);
}

/**
 * Fails when a port of the stack is taken: another `npm start` (or anything else) holds it.
 * @param {Array<{ name: string, port: number }>} wanted
 */
async function checkPortsFree(wanted) {
  for (const { name, port } of wanted) {
    const taken = await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (taken) throw new Error(`port ${port} (${name}) is already in use: is another npm start running? Stop it first.`);
  }
}

/** KEY=value lines of .dev.vars (the local secrets). */
function devVars() {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of readFileSync(join(root, '.dev.vars'), 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

/**
 * Secrets a newer checkout added to .dev.vars.example (a new worker's) are appended to an existing
 * .dev.vars with their example values, so a stack started from an older clone still has them.
 */
function addMissingDevVars() {
  const have = devVars();
  const missing = readFileSync(join(root, '.dev.vars.example'), 'utf8')
    .split('\n')
    .filter((line) => {
      const name = /^\s*([A-Z0-9_]+)\s*=/.exec(line)?.[1];
      return name !== undefined && !(name in have);
    });
  if (missing.length === 0) return;
  appendFileSync(join(root, '.dev.vars'), `\n# added from .dev.vars.example by npm start\n${missing.join('\n')}\n`);
  say(`.dev.vars: added ${missing.map((line) => line.split('=')[0]).join(', ')} from .dev.vars.example`);
}

/** The renderer's local vars in wrangler.toml: the render service must render what the renderer may. */
function rendererVars() {
  const config = /** @type {{ env: Record<string, { vars?: Record<string, string> }> }} */ (
    parseToml(readFileSync(join(root, 'wrangler.toml'), 'utf8'))
  );
  return config.env.renderer?.vars ?? {};
}

try {
  const workers = productWorkers();
  await checkPortsFree([
    ...workers,
    { name: 'recommender', port: RECOMMENDER_PORT },
    ...(withRenderService ? [{ name: 'render-service', port: RENDER_SERVICE_PORT }] : []),
  ]);
  // Entries a stopped stack left (a worker killed before it could unregister) would point bindings
  // at dead processes; the ports are ours, so no other instance of these workers is running.
  for (const { name } of workers) rmSync(join(registryDir, name), { force: true });
  if (logDir) mkdirSync(logDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  if (!existsSync(join(root, '.dev.vars'))) copyFileSync(join(root, '.dev.vars.example'), join(root, '.dev.vars'));
  else addMissingDevVars();

  if (process.env.STACK_SKIP_BUILD !== '1') {
    const { ensureBuilt, spaInput } = await import('./build.mjs');
    say(`building the SPA (${spaInput(process.env.SPA_DIST).source})`);
    await ensureBuilt();
    const { ensureConsoleBuilt } = await import('./build-console.mjs');
    say('building the console UI');
    await ensureConsoleBuilt();
  }

  /**
   * @param {Omit<Managed, 'startedAt' | 'restarts' | 'child' | 'timer' | 'env' | 'bringBack'> & Partial<Pick<Managed, 'env' | 'bringBack'>>} spec
   * @returns {Managed}
   */
  const add = (spec) => {
    /** @type {Managed} */
    const proc = { env: {}, bringBack: null, ...spec, startedAt: 0, restarts: 0, child: null, timer: null };
    managed.push(proc);
    return proc;
  };

  launch(
    add({
      name: 'recommender',
      kind: 'service',
      port: RECOMMENDER_PORT,
      command: process.execPath,
      args: [join(root, 'demo', 'recommender', 'server.mjs')],
      env: { PORT: String(RECOMMENDER_PORT) },
      bringBack: 'npm run demo',
    }),
  );

  /** @type {Record<string, string>} */
  let rendererExtraVars = {};
  if (withRenderService) {
    /** @type {Record<string, string>} */
    const settings = {
      ...rendererVars(),
      RENDER_TOKEN: devVars().RENDER_TOKEN ?? '',
      PORT: String(RENDER_SERVICE_PORT),
      HOST: '127.0.0.1',
    };
    delete settings.RENDER_SERVICE_URL;
    launch(
      add({
        name: 'render-service',
        kind: 'service',
        port: RENDER_SERVICE_PORT,
        command: process.execPath,
        args: [join(root, 'services', 'render-service', 'server.ts')],
        env: settings,
        bringBack: `${Object.entries(settings)
          .map(([key, value]) => `${key}='${value}'`)
          .join(' ')} npm run render-service`,
      }),
    );
    rendererExtraVars = { RENDER_SERVICE_URL: `http://127.0.0.1:${RENDER_SERVICE_PORT}` };
  }

  /** @type {Record<string, string>} */
  let browserEnv = {};
  if (!withRenderService) {
    const { ensureBrowserRenderingShim } = await import('./chromium.mjs');
    browserEnv = await ensureBrowserRenderingShim();
  }

  // One persistence folder per state group: workerd processes that open the same local SQLite
  // files at the same moment fail with SQLITE_BUSY, so only workers that must share state share a
  // folder (shortener and redirector read and write the same LINKS namespace).
  const groupOf = (/** @type {string} */ name) => STATE_GROUPS[name] ?? name;
  for (const [i, { name, port }] of workers.entries()) {
    const group = groupOf(name);
    for (const before of STARTS_AFTER[name] ?? []) {
      const dependency = workers.find((w) => w.name === before);
      if (dependency) await waitForPort(dependency.name, dependency.port);
    }
    const vars = name === 'renderer' ? Object.entries(rendererExtraVars).map(([key, value]) => `--var=${key}:${value}`) : [];
    launch(
      add({
        name,
        kind: 'worker',
        port,
        command: 'npx',
        args: [
          'wrangler',
          'dev',
          '--env',
          name,
          '--port',
          String(port),
          '--ip',
          '127.0.0.1',
          '--inspector-port',
          String(9300 + i),
          '--persist-to',
          join(stateDir, group),
          '--infer-origin-from-routes=false',
          '--show-interactive-dev-session=false',
          ...vars,
        ],
        env: name === 'renderer' ? browserEnv : {},
      }),
    );
  }

  for (const { port } of managed) {
    const forwarder = await forwardIpv6Loopback(port);
    if ('unavailable' in forwarder) {
      say(`[::1] not served: ${forwarder.unavailable}; use http://localhost or http://127.0.0.1`);
      break;
    }
    forwarders.push(forwarder);
  }

  await Promise.all(managed.map((proc) => waitForPort(proc.name, proc.port)));
  console.log('\nLocal stack (Ctrl-C stops everything); every port also answers on 127.0.0.1 and [::1]:');
  for (const { name, port } of managed) console.log(`  ${name.padEnd(20)} http://localhost:${port}`);
  console.log(`  state: ${stateDir}`);
  say('ready');
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
