// CPU time of the processes that serve a local URL, read from Linux's /proc.
//
// Why CPU time: a worker's cost per request is the CPU its workerd process spends on it. Wall
// time (requests per second) also counts every moment another process held the core, which on a
// shared machine changes from one round to the next; CPU time does not count those moments. A
// thread's time on CPU comes from /proc/<pid>/task/<tid>/schedstat in nanoseconds (the scheduler's
// own accounting), or, on a kernel without it, from the utime + stime clock ticks of .../stat.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const TICK_NS = 1e9 / 100; // USER_HZ is 100 on every Linux ABI Node runs on

/** Whether this machine has the /proc files the meter reads. */
export const cpuTimeAvailable = (() => {
  try {
    readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    return true;
  } catch {
    return false;
  }
})();

/** @param {string} path */
function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** @param {string} path */
function list(path) {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** The fields of a /proc stat line after the command name, which may itself hold spaces. @param {string} stat */
const statFields = (stat) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** This process and all its descendants: Miniflare's workerd processes are our children. */
function family() {
  const parentOf = new Map();
  for (const entry of list('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (stat) parentOf.set(Number(entry), Number(statFields(stat)[1]));
  }
  const members = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!members.has(pid) && members.has(parent)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  return members;
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). @param {number} port */
function listeningInodes(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (read(table) ?? '').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth column.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/**
 * The process (this one or a descendant) listening on the URL's port, or null when none is found
 * (not Linux, or a server outside this process tree).
 * @param {string} url
 * @returns {number | null}
 */
export function servingProcess(url) {
  if (!cpuTimeAvailable) return null;
  const { port, protocol } = new URL(url);
  const inodes = listeningInodes(Number(port || (protocol === 'https:' ? 443 : 80)));
  if (inodes.size === 0) return null;
  for (const pid of family()) {
    for (const fd of list(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return pid;
    }
  }
  return null;
}

/** Nanoseconds of CPU time used so far by every thread of `pid` (0 once it has exited). @param {number} pid */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of list(`/proc/${pid}/task`)) {
    const schedstat = read(`/proc/${pid}/task/${tid}/schedstat`);
    if (schedstat) {
      total += Number(schedstat.split(' ')[0]);
      continue;
    }
    const stat = read(`/proc/${pid}/task/${tid}/stat`);
    if (stat) {
      const fields = statFields(stat);
      total += (Number(fields[11]) + Number(fields[12])) * TICK_NS;
    }
  }
  return total;
}

/**
 * Charges the CPU time of the processes serving the two sides of a comparison to the sides. A
 * process serving both sides (one workerd for ours and the baseline) charges the side that was
 * just driven; a process serving one side charges that side whatever was driven, so work it
 * finishes after its slice (`ctx.waitUntil`) still counts as its own.
 */
export class CpuMeter {
  /**
   * A meter for the two sides' serving processes, or null when either is unknown or is this
   * bench's own process (whose CPU time is mostly the load generator's).
   * @param {number | null} ours
   * @param {number | null} base
   */
  static for(ours, base) {
    if (ours === null || base === null || ours === process.pid || base === process.pid) return null;
    return new CpuMeter(ours, base);
  }

  /** @param {number} ours @param {number} base */
  constructor(ours, base) {
    this.pids = { ours, base };
    this.shared = ours === base;
    this.last = this.#read();
  }

  #read() {
    return { ours: cpuNs(this.pids.ours), base: this.shared ? 0 : cpuNs(this.pids.base) };
  }

  /** Starts counting from now. */
  reset() {
    this.last = this.#read();
  }

  /**
   * Nanoseconds used since the last reading, per side.
   * @param {'ours' | 'base'} driven the side driven since the last reading
   */
  charge(driven) {
    const now = this.#read();
    const used = { ours: now.ours - this.last.ours, base: now.base - this.last.base };
    this.last = now;
    if (!this.shared) return used;
    return driven === 'ours' ? { ours: used.ours, base: 0 } : { ours: 0, base: used.ours };
  }
}
