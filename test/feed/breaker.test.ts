// The breaker's state machine on a fake clock: every `now` is a number the test chooses.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BREAKER_CONFIG,
  admit,
  initialBreakerState,
  nextBreakerState,
  windowStats,
  type BreakerConfig,
  type BreakerState,
  type Outcome,
} from '../../workers/feed/src/breaker.ts';

const config: BreakerConfig = {
  ...DEFAULT_BREAKER_CONFIG,
  windowSize: 20,
  minimumCalls: 10,
  failureRateThreshold: 50,
  openMs: 5_000,
  halfOpenProbes: 2,
};

const ok = (at: number, durationMs = 10): Outcome => ({ at, failed: false, durationMs });
const fail = (at: number, extra: Partial<Outcome> = {}): Outcome => ({ at, failed: true, durationMs: 10, ...extra });

/** Feeds outcomes in order, each at its own `at`, and returns every intermediate status. */
function run(outcomes: Outcome[], cfg = config, start = initialBreakerState(0)) {
  let state = start;
  const statuses: string[] = [];
  for (const outcome of outcomes) {
    state = nextBreakerState(state, { type: 'outcome', outcome }, outcome.at, cfg);
    statuses.push(state.status);
  }
  return { state, statuses };
}

function openedAt(now: number, cfg = config): BreakerState {
  const { state } = run(
    Array.from({ length: cfg.minimumCalls }, (_, i) => fail(now - cfg.minimumCalls + i + 1)),
    cfg,
  );
  expect(state.status).toBe('open');
  return state;
}

describe('closed -> open', () => {
  it.each([
    { name: 'all failures: opens exactly at the minimum calls', ok: 0, failures: 10, opensAt: 10 },
    { name: '9 failures: below the minimum calls, stays closed', ok: 0, failures: 9, opensAt: null },
    { name: '5 ok then 5 failures: 50% at 10 calls opens', ok: 5, failures: 5, opensAt: 10 },
    { name: '6 ok then 4 failures: 40% stays closed', ok: 6, failures: 4, opensAt: null },
    { name: '10 ok then 10 failures: opens at 50% on the 20th call', ok: 10, failures: 10, opensAt: 20 },
  ])('$name', ({ ok: okCount, failures, opensAt }) => {
    const outcomes = [
      ...Array.from({ length: okCount }, (_, i) => ok(i)),
      ...Array.from({ length: failures }, (_, i) => fail(okCount + i)),
    ];
    const { statuses, state } = run(outcomes);
    const first = statuses.indexOf('open');
    expect(first === -1 ? null : first + 1).toBe(opensAt);
    if (opensAt) {
      expect(state.reason).toBe('failure-rate');
      expect(state.trips).toBe(1);
      expect(state.openUntil).toBe(opensAt - 1 + config.openMs);
    }
  });

  it('a count window judges only the last windowSize calls', () => {
    // 20 successes, then failures: once 10 failures have pushed 10 successes out, 10 of the last
    // 20 failed (50%), so it opens; over all 30 calls it would only be 33%.
    const outcomes = [...Array.from({ length: 20 }, (_, i) => ok(i)), ...Array.from({ length: 10 }, (_, i) => fail(100 + i))];
    const { state, statuses } = run(outcomes);
    expect(statuses.indexOf('open')).toBe(29);
    expect(state.reason).toBe('failure-rate');
    const { state: before } = run(outcomes.slice(0, 29));
    expect(windowStats(before.window, 200, config)).toMatchObject({ calls: 20, failures: 9 });
  });

  // A window of 5 s at 10.5 s holds the buckets of seconds 6 to 10, never the sixth second back.
  it.each([
    [5_000, 10_500, 0],
    [5_999, 10_500, 0],
    [6_000, 10_500, 1],
    [10_400, 10_500, 1],
    [9_999, 14_999, 0],
    [10_000, 14_999, 1],
    [10_000, 15_000, 0],
  ])('a 5 s time window: a call at %i ms counts at %i ms: %i', (at, now, calls) => {
    const cfg: BreakerConfig = { ...config, windowType: 'time', windowSize: 5 };
    const { state } = run([ok(at)], cfg);
    expect(windowStats(state.window, now, cfg).calls).toBe(calls);
  });

  it('a time window only judges the calls of its last windowSize seconds', () => {
    const cfg: BreakerConfig = { ...config, windowType: 'time', windowSize: 10 };
    // 8 failures at t=0..7s, then 5 failures at t=20s: the old ones have left the window.
    const early = Array.from({ length: 8 }, (_, i) => fail(i * 1000));
    const late = Array.from({ length: 5 }, (_, i) => fail(20_000 + i));
    const { state } = run([...early, ...late], cfg);
    expect(state.status).toBe('closed');
    expect(windowStats(state.window, 20_010, cfg)).toMatchObject({ calls: 5, failures: 5 });
    // ...and 5 more within the same 10 s make 10 calls: the minimum, all failed.
    expect(
      run(
        Array.from({ length: 5 }, (_, i) => fail(21_000 + i)),
        cfg,
        state,
      ).state.status,
    ).toBe('open');
  });

  it('slow calls count: a window of slow successes opens on the slow-call rate', () => {
    const cfg: BreakerConfig = { ...config, slowCallDurationMs: 300, slowCallRateThreshold: 60 };
    const slow = Array.from({ length: 6 }, (_, i) => ok(i, 300));
    const fast = Array.from({ length: 3 }, (_, i) => ok(10 + i, 299));
    const { state: before } = run([...fast, ...slow], cfg);
    expect(before.status).toBe('closed'); // 9 calls: below the minimum
    const { state } = run([ok(20, 500)], cfg, before); // 7 slow of 10 = 70%
    expect(state).toMatchObject({ status: 'open', reason: 'slow-call-rate' });
  });

  it('calls faster than the slow threshold are not slow', () => {
    const cfg: BreakerConfig = { ...config, slowCallDurationMs: 300, slowCallRateThreshold: 50 };
    const { state } = run(
      Array.from({ length: 20 }, (_, i) => ok(i, 299)),
      cfg,
    );
    expect(state.status).toBe('closed');
    expect(windowStats(state.window, 20, cfg).slow).toBe(0);
  });
});

describe('open -> half-open -> closed or open', () => {
  it('rejects every call until the wait is over, then offers a probe', () => {
    const state = openedAt(1_000);
    expect(admit(state, 1_000, config)).toBe('reject');
    expect(admit(state, 1_000 + config.openMs - 1, config)).toBe('reject');
    expect(admit(state, 1_000 + config.openMs, config)).toBe('probe');
  });

  it('lets exactly halfOpenProbes probes through; everyone else is rejected at once', () => {
    const now = 1_000 + config.openMs;
    let state = nextBreakerState(openedAt(1_000), { type: 'probe-start' }, now, config);
    expect(state.status).toBe('half-open');
    expect(admit(state, now, config)).toBe('probe');
    state = nextBreakerState(state, { type: 'probe-start' }, now, config);
    expect(admit(state, now, config)).toBe('reject');
    // A third probe-start without a free slot changes nothing.
    expect(nextBreakerState(state, { type: 'probe-start' }, now, config)).toBe(state);
  });

  it('closes with an empty window when every probe succeeds', () => {
    const now = 1_000 + config.openMs;
    let state = nextBreakerState(openedAt(1_000), { type: 'probe-start' }, now, config);
    state = nextBreakerState(state, { type: 'probe-start' }, now, config);
    state = nextBreakerState(state, { type: 'outcome', outcome: { ...ok(now), probe: true } }, now + 5, config);
    expect(state.status).toBe('half-open');
    state = nextBreakerState(state, { type: 'outcome', outcome: { ...ok(now), probe: true } }, now + 6, config);
    expect(state).toMatchObject({ status: 'closed', window: [], reason: null, trips: 1 });
    expect(admit(state, now + 6, config)).toBe('call');
  });

  it('reopens for another full wait when a probe fails (or is slow)', () => {
    const now = 1_000 + config.openMs;
    for (const probe of [
      { ...fail(now), probe: true },
      { ...ok(now, config.slowCallDurationMs), probe: true },
    ]) {
      let state = nextBreakerState(openedAt(1_000), { type: 'probe-start' }, now, config);
      state = nextBreakerState(state, { type: 'outcome', outcome: probe }, now + 50, config);
      expect(state).toMatchObject({ status: 'open', reason: 'probe-failed', openUntil: now + 50 + config.openMs, trips: 2 });
    }
  });

  it('ignores late answers of calls admitted before the trip', () => {
    const open = openedAt(1_000);
    expect(nextBreakerState(open, { type: 'outcome', outcome: ok(999) }, 1_001, config)).toBe(open);
    const halfOpen = nextBreakerState(open, { type: 'probe-start' }, 1_000 + config.openMs, config);
    expect(nextBreakerState(halfOpen, { type: 'outcome', outcome: ok(999) }, 1_000 + config.openMs, config)).toBe(halfOpen);
  });

  it('gives up on probes that never report back and lets new ones go', () => {
    const now = 1_000 + config.openMs;
    let state = nextBreakerState(openedAt(1_000), { type: 'probe-start' }, now, config);
    state = nextBreakerState(state, { type: 'probe-start' }, now, config);
    expect(admit(state, state.probeDeadline - 1, config)).toBe('reject');
    expect(admit(state, state.probeDeadline, config)).toBe('probe');
    state = nextBreakerState(state, { type: 'probe-start' }, state.probeDeadline, config);
    expect(state).toMatchObject({ status: 'half-open', probesStarted: 1, probeSuccesses: 0 });
  });
});

describe('Retry-After', () => {
  it('a failure with Retry-After opens at once, and no probe goes before that time', () => {
    const { state } = run([ok(0), fail(100, { retryAfterMs: 30_000 })]);
    expect(state).toMatchObject({ status: 'open', reason: 'retry-after', openUntil: 100 + 30_000 });
    // Longer than the breaker's own wait (5 s): the upstream's word wins.
    expect(admit(state, 100 + config.openMs, config)).toBe('reject');
    expect(admit(state, 100 + 30_000, config)).toBe('probe');
  });

  it('is capped by maxRetryAfterMs', () => {
    const { state } = run([fail(0, { retryAfterMs: 86_400_000 })], { ...config, maxRetryAfterMs: 60_000 });
    expect(state.openUntil).toBe(60_000);
  });

  it('a failed probe with Retry-After waits the longer of the two', () => {
    const now = 1_000 + config.openMs;
    const half = nextBreakerState(openedAt(1_000), { type: 'probe-start' }, now, config);
    const state = nextBreakerState(half, { type: 'outcome', outcome: fail(now, { probe: true, retryAfterMs: 20_000 }) }, now, config);
    expect(state.openUntil).toBe(now + 20_000);
  });

  it('a late answer with Retry-After pushes an open breaker further out', () => {
    const open = openedAt(1_000);
    const state = nextBreakerState(open, { type: 'outcome', outcome: fail(900, { retryAfterMs: 60_000 }) }, 1_001, config);
    expect(state.openUntil).toBe(61_001);
  });

  it('is only a failure like any other when honorRetryAfter is off', () => {
    const { state } = run([fail(0, { retryAfterMs: 30_000 })], { ...config, honorRetryAfter: false });
    expect(state.status).toBe('closed');
  });
});

describe('forced by an operator', () => {
  it('forced open rejects everything and ignores outcomes; auto returns to closed', () => {
    let state = nextBreakerState(initialBreakerState(0), { type: 'force', mode: 'open' }, 1, config);
    expect(admit(state, 1_000_000, config)).toBe('reject');
    expect(nextBreakerState(state, { type: 'outcome', outcome: ok(2) }, 2, config)).toBe(state);
    state = nextBreakerState(state, { type: 'force', mode: 'auto' }, 3, config);
    expect(state).toMatchObject({ status: 'closed', forced: null });
    expect(admit(state, 3, config)).toBe('call');
  });

  it('forced closed calls through failures, and keeps counting them', () => {
    const forced = nextBreakerState(initialBreakerState(0), { type: 'force', mode: 'closed' }, 1, config);
    const { state } = run(
      Array.from({ length: 20 }, (_, i) => fail(10 + i)),
      config,
      forced,
    );
    expect(state.status).toBe('closed');
    expect(admit(state, 100, config)).toBe('call');
    expect(windowStats(state.window, 100, config).failures).toBe(20);
  });
});
