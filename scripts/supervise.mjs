// What `npm start` does when one of its processes exits on its own (scripts/start.mjs). A pure
// function of the process's kind and its restart history, tested in test/ops/supervise.test.ts.
//
// - A worker (`wrangler dev`) is part of the stack: it is restarted after a growing delay, at most
//   MAX_RESTARTS times in a row; one that then stayed up for STABLE_MS counts as healthy again.
//   Past that it is reported and left down; the rest of the stack keeps running.
// - A service (the demo recommender, the render service) stands for something outside the product
//   that may go down in production too: its exit is reported with the command that brings it back,
//   and the workers keep running, so the feed's breaker and the edge's FALLBACK can be watched.

export const MAX_RESTARTS = 3;
/** Delay before the n-th restart in a row: 1 s, 2 s, 4 s. */
export const BACKOFF_MS = [1_000, 2_000, 4_000];
/** A worker that ran this long since its last start is healthy again: its restart count starts over. */
export const STABLE_MS = 60_000;

/**
 * @typedef {'worker' | 'service'} ProcessKind
 * @typedef {{ restarts: number, startedAt: number }} RestartHistory restarts in a row, and when the last run started
 * @typedef {{ action: 'restart', delayMs: number, restarts: number } | { action: 'report' }} ExitDecision
 */

/**
 * @param {ProcessKind} kind
 * @param {RestartHistory} history
 * @param {number} now ms since the epoch
 * @returns {ExitDecision}
 */
export function afterExit(kind, history, now) {
  if (kind === 'service') return { action: 'report' };
  const inARow = now - history.startedAt >= STABLE_MS ? 0 : history.restarts;
  if (inARow >= MAX_RESTARTS) return { action: 'report' };
  return { action: 'restart', delayMs: BACKOFF_MS[Math.min(inARow, BACKOFF_MS.length - 1)] ?? 1_000, restarts: inARow + 1 };
}

/**
 * How a process's exit reads in the log: `exited (1)`, `exited (SIGKILL)`.
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 */
export function exitReason(code, signal) {
  return `exited (${signal ?? code ?? 'unknown'})`;
}
