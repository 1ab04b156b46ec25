/**
 * The local stack exactly as `npm start` runs it (scripts/start.mjs), with fresh state in a
 * temporary directory, for the end-to-end projects. It binds the fixed local ports: one stack at a
 * time (npm test runs the e2e projects one after the other).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Stack {
  /** Where each process writes its output: <logDir>/<name>.log. */
  logDir: string;
  /** Everything start.mjs printed so far. */
  output(): string;
  /** Process id (and group) of the latest run of a process start.mjs manages, e.g. `recommender`. */
  pid(name: string): number;
  /** Every process id start.mjs reported starting. */
  pids(): number[];
  /** The first output line matching `pattern` from now on (or already printed past `since`). */
  waitFor(pattern: RegExp, since?: number): Promise<string>;
  /**
   * Ctrl-C: SIGINT to start.mjs; resolves with its exit code once it has exited. The temporary
   * state and logs are removed unless `keep` (or E2E_KEEP_STATE=1): then their folder is printed.
   */
  stop(options?: { keep?: boolean }): Promise<number | null>;
}

const STARTED = /^\[start\] (\S+) started \(pid (\d+)\)$/gm;

/** Starts the stack with `env` on top of this process's environment (an undefined value unsets it). */
export async function startStack(env: Record<string, string | undefined> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-workers-e2e-'));
  const logDir = join(dir, 'logs');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, STACK_STATE_DIR: join(dir, 'state'), STACK_LOG_DIR: logDir, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const child: ChildProcess = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  function waitFor(pattern: RegExp, since = output.length): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = output
          .slice(since)
          .split('\n')
          .find((l) => pattern.test(l));
        if (line === undefined) return;
        listeners.delete(check);
        resolve(line);
      };
      listeners.add(check);
      check();
      void exited.then(() => {
        if (!listeners.has(check)) return;
        listeners.delete(check);
        reject(new Error(`stack exited before printing ${pattern}:\n${output}\n${logs(logDir)}`));
      });
    });
  }

  const started = () => [...output.matchAll(STARTED)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
  const stack: Stack = {
    logDir,
    output: () => output,
    pid(name) {
      const pid = started()
        .filter((s) => s.name === name)
        .at(-1)?.pid;
      if (pid === undefined) throw new Error(`the stack started no process named ${name}:\n${output}`);
      return pid;
    },
    pids: () => started().map((s) => s.pid),
    waitFor,
    async stop({ keep = process.env.E2E_KEEP_STATE === '1' } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const code = await exited;
      if (keep) console.error(`stack state and logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };

  try {
    await waitFor(/^\[start\] ready$/, 0);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** The tail of every process's log, for a start that failed. */
function logs(logDir: string): string {
  try {
    return readdirSync(logDir)
      .map((file) => `--- ${file}\n${readFileSync(join(logDir, file), 'utf8').slice(-2000)}`)
      .join('\n');
  } catch {
    return '';
  }
}
