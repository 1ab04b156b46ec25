// Where a comparison runs: the load generator (this process) on one CPU, the processes serving
// both sides on another, the same one for both.
//
// Why: left to the scheduler, a workerd process that shares its core with the load generator is
// measured differently from one that does not (bench/README.md gives the experiment), and on a
// quiet machine the scheduler keeps a process where it put it, so the difference lasts for a whole
// row. Pinned, both sides run in the same place by construction. `taskset` (util-linux) does the
// pinning; where it is missing, nothing is pinned.
import { execFileSync } from 'node:child_process';

/** @param {string[]} args */
function taskset(args) {
  return execFileSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The CPUs a process may run on, as taskset lists them ("0-3,6"), or null. @param {number} pid */
function affinity(pid) {
  try {
    return /list:\s*(\S+)/.exec(taskset(['-c', '-p', String(pid)]))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** "0-2,5" -> [0, 1, 2, 5]. @param {string} list */
function cpusOf(list) {
  return list.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from(
      { length: /** @type {number} */ (to) - /** @type {number} */ (from) + 1 },
      (_, i) => /** @type {number} */ (from) + i,
    );
  });
}

/**
 * Pins this process to the first CPU it may use and every process in `servers` (with all their
 * threads) to the second. Returns a function that puts every process back where it was allowed
 * to run before, or does nothing when there is a single CPU or no taskset.
 * @param {number[]} servers
 * @returns {() => void}
 */
export function pinApart(servers) {
  const own = affinity(process.pid);
  const cpus = own === null ? [] : cpusOf(own);
  if (own === null || cpus.length < 2) return () => {};
  const before = new Map([[process.pid, own]]);
  for (const pid of servers) before.set(pid, affinity(pid) ?? own);
  const pin = (/** @type {number} */ pid, /** @type {string} */ list) => {
    try {
      taskset(['-a', '-c', '-p', list, String(pid)]);
    } catch {
      // the process has exited; nothing to pin or restore
    }
  };
  pin(process.pid, String(cpus[0]));
  for (const pid of servers) pin(pid, String(cpus[1]));
  return () => {
    for (const [pid, list] of before) pin(pid, list);
  };
}
