/** scripts/supervise.mjs: what `npm start` does when one of its processes exits on its own. */
import { describe, expect, it } from 'vitest';
import { BACKOFF_MS, MAX_RESTARTS, STABLE_MS, afterExit, exitReason } from '../../scripts/supervise.mjs';

const NOW = 1_000_000;

describe('afterExit', () => {
  it('restarts a worker with a growing delay, then reports it', () => {
    const decisions = [0, 1, 2, 3].map((restarts) => afterExit('worker', { restarts, startedAt: NOW - 5_000 }, NOW));
    expect(decisions).toEqual([
      { action: 'restart', delayMs: BACKOFF_MS[0], restarts: 1 },
      { action: 'restart', delayMs: BACKOFF_MS[1], restarts: 2 },
      { action: 'restart', delayMs: BACKOFF_MS[2], restarts: 3 },
      { action: 'report' },
    ]);
    expect(MAX_RESTARTS).toBe(3);
  });

  it('counts a worker that stayed up long enough as healthy again', () => {
    expect(afterExit('worker', { restarts: MAX_RESTARTS, startedAt: NOW - STABLE_MS }, NOW)).toEqual({
      action: 'restart',
      delayMs: BACKOFF_MS[0],
      restarts: 1,
    });
    expect(afterExit('worker', { restarts: MAX_RESTARTS, startedAt: NOW - STABLE_MS + 1 }, NOW)).toEqual({ action: 'report' });
  });

  it('never restarts a service: its exit is reported and the workers keep running', () => {
    expect(afterExit('service', { restarts: 0, startedAt: NOW - 10 }, NOW)).toEqual({ action: 'report' });
    expect(afterExit('service', { restarts: 0, startedAt: NOW - STABLE_MS * 10 }, NOW)).toEqual({ action: 'report' });
  });
});

describe('exitReason', () => {
  it.each([
    [0, null, 'exited (0)'],
    [1, null, 'exited (1)'],
    [null, 'SIGKILL', 'exited (SIGKILL)'],
  ] as const)('%s / %s', (code, signal, text) => {
    expect(exitReason(code, signal)).toBe(text);
  });
});
