/**
 * Starts the local stack exactly as `npm start` does (scripts/start.mjs), with fresh state in a
 * temporary directory, and stops it (and every process it started) after the e2e run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function startStack(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-e2e-'));
  const logDir = join(dir, 'logs');
  const stack: ChildProcess = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      STACK_STATE_DIR: join(dir, 'state'),
      STACK_LOG_DIR: logDir,
      STACK_SKIP_BUILD: process.env.STACK_SKIP_BUILD ?? '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  stack.stdout?.on('data', (c) => (output += c));
  stack.stderr?.on('data', (c) => (output += c));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not ready in 180 s:\n${output}`)), 180_000);
    stack.stdout?.on('data', () => {
      if (output.includes('[start] ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    stack.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}) before ready:\n${output}\n${logs(logDir)}`));
    });
  });

  return async function stopStack() {
    if (stack.exitCode === null) {
      const exited = new Promise((r) => stack.once('exit', r));
      stack.kill('SIGINT');
      await exited;
    }
    if (process.env.E2E_KEEP_STATE !== '1') rmSync(dir, { recursive: true, force: true });
  };
}

function logs(logDir: string): string {
  try {
    return ['renderer', 'edge', 'assets', 'shortener', 'redirector', 'feed', 'recommender']
      .map((n) => {
        try {
          return `--- ${n}\n${readFileSync(join(logDir, `${n}.log`), 'utf8').slice(-2000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  } catch {
    return '';
  }
}
