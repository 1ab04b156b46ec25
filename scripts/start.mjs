// `npm start`: the whole local stack on the ports of ../shared/BRIEF.md, no account, no network.
// Builds the demo SPA, then runs `wrangler dev --env <name>` for every worker that exists (they find
// each other through wrangler's dev registry), plus the demo recommender. Ctrl-C stops everything.
//
// Environment: STACK_STATE_DIR (default .wrangler/state), STACK_LOG_DIR (write each process's output
// to <dir>/<name>.log instead of the terminal), STACK_SKIP_BUILD=1 (reuse build/).
import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RECOMMENDER_PORT, existingWorkers, root } from './workers.mjs';

const stateDir = process.env.STACK_STATE_DIR ?? join(root, '.wrangler', 'state');
const logDir = process.env.STACK_LOG_DIR;
const children = [];
/** Workers that share local state (and so one --persist-to folder). */
const STATE_GROUPS = { shortener: 'links', redirector: 'links' };
let stopping = false;

function run(name, command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stopping kills workerd grandchildren too
  });
  const sink = logDir ? createWriteStream(join(logDir, `${name}.log`)) : null;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (chunk) => {
      if (sink) return void sink.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
  const deadline = setTimeout(() => {
    for (const { child } of children) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    process.exit(code);
  }, 5000);
  Promise.all(
    children.map(({ child }) => (child.exitCode !== null || child.signalCode ? null : new Promise((r) => child.once('exit', r)))),
  ).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

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

async function runOnce(name, command, args) {
  await new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (${code})`))));
  });
}

try {
  if (logDir) mkdirSync(logDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  if (!existsSync(join(root, '.dev.vars'))) copyFileSync(join(root, '.dev.vars.example'), join(root, '.dev.vars'));

  if (existsSync(join(root, 'scripts', 'build.mjs')) && process.env.STACK_SKIP_BUILD !== '1') {
    console.log('[start] building the demo SPA');
    await runOnce('build', process.execPath, [join(root, 'scripts', 'build.mjs')]);
  }

  const services = [];
  if (existsSync(join(root, 'demo', 'recommender', 'server.mjs'))) {
    run('recommender', process.execPath, [join(root, 'demo', 'recommender', 'server.mjs')], { PORT: String(RECOMMENDER_PORT) });
    services.push({ name: 'recommender (demo)', port: RECOMMENDER_PORT });
  }

  const workers = existingWorkers();
  let browserEnv = {};
  if (workers.some((w) => w.name === 'renderer')) {
    const { ensureBrowserRenderingShim } = await import('./chromium.mjs');
    browserEnv = await ensureBrowserRenderingShim();
  }
  // One persistence folder per state group: workerd processes that open the same local SQLite
  // files at the same moment fail with SQLITE_BUSY, so only workers that must share state share a
  // folder (shortener and redirector read and write the same LINKS namespace), and the second of a
  // group starts once the first answers.
  const groupOf = (name) => STATE_GROUPS[name] ?? name;
  const started = new Map();
  for (const [i, { name, port }] of workers.entries()) {
    const group = groupOf(name);
    if (started.has(group)) await waitForPort(started.get(group).name, started.get(group).port);
    started.set(group, { name, port });
    run(
      name,
      'npx',
      [
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
      ],
      name === 'renderer' ? browserEnv : {},
    );
    services.push({ name, port });
  }

  await Promise.all(services.map((s) => waitForPort(s.name, s.port)));
  console.log('\nLocal stack (Ctrl-C stops everything):');
  for (const { name, port } of services) console.log(`  ${name.padEnd(20)} http://localhost:${port}`);
  console.log(`  state: ${stateDir}`);
  console.log('[start] ready');
} catch (error) {
  console.error(`[start] ${error.message}`);
  stop(1);
}
