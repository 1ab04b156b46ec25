/**
 * The circuit breaker as a pure state machine: no clock, no bindings, no I/O. The same functions run
 * in every isolate (its short-lived local copy) and in the `FeedBreaker` Durable Object (the
 * authoritative state), so both judge outcomes identically.
 *
 * Semantics follow resilience4j's CircuitBreaker (sliding window by count or time, failure-rate and
 * slow-call-rate thresholds, minimum calls, wait in open, permitted calls in half-open), opossum
 * (`timeout`, `resetTimeout`) and cockatiel (`halfOpenAfter`), plus what none of them does: honouring
 * an upstream's `Retry-After` (RFC 9110 §10.2.3) as the earliest time to call it again.
 */

export type WindowType = 'count' | 'time';
export type BreakerStatus = 'closed' | 'open' | 'half-open';
export type ForcedMode = 'open' | 'closed';
export type Admission = 'call' | 'probe' | 'reject';
export type OpenReason = 'failure-rate' | 'slow-call-rate' | 'retry-after' | 'probe-failed';

export interface BreakerConfig {
  /** `count`: the last `windowSize` calls; `time`: the calls of the last `windowSize` seconds. */
  windowType: WindowType;
  windowSize: number;
  /** No judgement before this many calls are in the window. */
  minimumCalls: number;
  /** Percent of failed calls in the window at or above which the breaker opens. */
  failureRateThreshold: number;
  /** A call at least this slow is a slow call (even when it succeeded). */
  slowCallDurationMs: number;
  /** Percent of slow calls in the window at or above which the breaker opens. */
  slowCallRateThreshold: number;
  /** Per-call timeout; a call that times out is a failure. */
  timeoutMs: number;
  /** Time spent open before probes may go. */
  openMs: number;
  /** Probes let through in half-open; all must succeed to close, any failure reopens. */
  halfOpenProbes: number;
  /** Keep the breaker open until the time a 429/503 `Retry-After` names. */
  honorRetryAfter: boolean;
  /** Cap on a `Retry-After`, so a bogus header cannot cut the upstream off for days. */
  maxRetryAfterMs: number;
}

/** What one call to the upstream came to. Outcomes that count neither way (4xx) are not reported. */
export interface Outcome {
  /** Epoch ms when the call started (places it in a time window). */
  at: number;
  failed: boolean;
  durationMs: number;
  /** From a `Retry-After` header on a failure, in ms from the call's end. */
  retryAfterMs?: number;
  /** A half-open probe; only probes move a half-open breaker. */
  probe?: boolean;
}

/** Calls aggregated per slot: one slot per call (count window) or per second (time window). */
export interface Bucket {
  t: number;
  calls: number;
  failures: number;
  slow: number;
}

export interface BreakerState {
  status: BreakerStatus;
  /** An operator's override; `null` is automatic. */
  forced: ForcedMode | null;
  window: Bucket[];
  /** Open: no probe before this time (wait in open, or a Retry-After). */
  openUntil: number;
  /** Half-open: probes let through / succeeded so far in this round. */
  probesStarted: number;
  probeSuccesses: number;
  /** Half-open: probes not reported by then are given up as lost, and new ones may go. */
  probeDeadline: number;
  reason: OpenReason | null;
  /** Times the breaker opened since this state was created. */
  trips: number;
  changedAt: number;
}

export type BreakerEvent = { type: 'outcome'; outcome: Outcome } | { type: 'probe-start' } | { type: 'force'; mode: ForcedMode | 'auto' };

export interface WindowStats {
  calls: number;
  failures: number;
  slow: number;
  failureRate: number;
  slowCallRate: number;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  windowType: 'count',
  windowSize: 20,
  minimumCalls: 10,
  failureRateThreshold: 50,
  slowCallDurationMs: 600,
  slowCallRateThreshold: 100,
  timeoutMs: 800,
  openMs: 10_000,
  halfOpenProbes: 2,
  honorRetryAfter: true,
  maxRetryAfterMs: 300_000,
};

export function initialBreakerState(now: number): BreakerState {
  return {
    status: 'closed',
    forced: null,
    window: [],
    openUntil: 0,
    probesStarted: 0,
    probeSuccesses: 0,
    probeDeadline: 0,
    reason: null,
    trips: 0,
    changedAt: now,
  };
}

/** Whether a call may go now: `call` (closed), `probe` (half-open slot free), or `reject`. */
export function admit(state: BreakerState, now: number, config: BreakerConfig): Admission {
  if (state.forced === 'open') return 'reject';
  if (state.forced === 'closed') return 'call';
  switch (state.status) {
    case 'closed':
      return 'call';
    case 'open':
      return now >= state.openUntil ? 'probe' : 'reject';
    case 'half-open':
      if (now >= state.probeDeadline) return 'probe';
      return state.probesStarted < config.halfOpenProbes ? 'probe' : 'reject';
  }
}

export function nextBreakerState(state: BreakerState, event: BreakerEvent, now: number, config: BreakerConfig): BreakerState {
  switch (event.type) {
    case 'force':
      if (event.mode === 'auto') return { ...initialBreakerState(now), trips: state.trips };
      return { ...state, forced: event.mode, changedAt: now };
    case 'probe-start':
      return startProbe(state, now, config);
    case 'outcome':
      return recordOutcome(state, event.outcome, now, config);
  }
}

function startProbe(state: BreakerState, now: number, config: BreakerConfig): BreakerState {
  if (state.forced !== null || admit(state, now, config) !== 'probe') return state;
  // Long enough for the probe's own timeout, with slack for reporting it back.
  const probeDeadline = now + config.timeoutMs + 2_000;
  if (state.status === 'open' || now >= state.probeDeadline) {
    return { ...state, status: 'half-open', probesStarted: 1, probeSuccesses: 0, probeDeadline, changedAt: now };
  }
  return { ...state, probesStarted: state.probesStarted + 1, probeDeadline };
}

function recordOutcome(state: BreakerState, outcome: Outcome, now: number, config: BreakerConfig): BreakerState {
  if (state.forced === 'open') return state;
  const retryAfterMs =
    config.honorRetryAfter && outcome.failed && outcome.retryAfterMs !== undefined
      ? Math.min(Math.max(outcome.retryAfterMs, 0), config.maxRetryAfterMs)
      : 0;

  if (state.status === 'half-open' && state.forced === null) {
    // Late answers from calls admitted while closed say nothing about the recovery: only probes count.
    if (!outcome.probe) return state;
    const failed = outcome.failed || outcome.durationMs >= config.slowCallDurationMs;
    if (failed) return open(state, now, 'probe-failed', Math.max(config.openMs, retryAfterMs));
    const probeSuccesses = state.probeSuccesses + 1;
    if (probeSuccesses >= config.halfOpenProbes) return { ...initialBreakerState(now), trips: state.trips };
    return { ...state, probeSuccesses };
  }
  if (state.status === 'open' && state.forced === null) {
    // A late answer can only push the wait further out, when it carries a Retry-After.
    if (retryAfterMs > 0 && now + retryAfterMs > state.openUntil) return { ...state, openUntil: now + retryAfterMs };
    return state;
  }

  const window = addToWindow(pruneWindow(state.window, now, config), outcome, config);
  const next = { ...state, window };
  if (state.forced === 'closed') return next;
  // The upstream named when to come back: do not call it before then.
  if (retryAfterMs > 0) return open(next, now, 'retry-after', retryAfterMs);
  const stats = windowStats(window, now, config);
  if (stats.calls < config.minimumCalls) return next;
  if (stats.failureRate >= config.failureRateThreshold) return open(next, now, 'failure-rate', config.openMs);
  if (stats.slowCallRate >= config.slowCallRateThreshold) return open(next, now, 'slow-call-rate', config.openMs);
  return next;
}

function open(state: BreakerState, now: number, reason: OpenReason, waitMs: number): BreakerState {
  return {
    ...state,
    status: 'open',
    window: [],
    openUntil: now + waitMs,
    probesStarted: 0,
    probeSuccesses: 0,
    probeDeadline: 0,
    reason,
    trips: state.trips + 1,
    changedAt: now,
  };
}

/**
 * A time window is the `windowSize` one-second buckets ending with the current one (as
 * resilience4j's time-based window): the current second's bucket and the `windowSize - 1` before it.
 */
function pruneWindow(window: Bucket[], now: number, config: BreakerConfig): Bucket[] {
  if (config.windowType === 'count') return window;
  const oldest = secondOf(now) - (config.windowSize - 1) * 1000;
  return window.filter((b) => b.t >= oldest);
}

function secondOf(at: number): number {
  return Math.floor(at / 1000) * 1000;
}

function addToWindow(window: Bucket[], outcome: Outcome, config: BreakerConfig): Bucket[] {
  const failures = outcome.failed ? 1 : 0;
  const slow = outcome.durationMs >= config.slowCallDurationMs ? 1 : 0;
  if (config.windowType === 'count') {
    const next = [...window, { t: outcome.at, calls: 1, failures, slow }];
    return next.length > config.windowSize ? next.slice(next.length - config.windowSize) : next;
  }
  const t = secondOf(outcome.at);
  const index = window.findIndex((b) => b.t === t);
  if (index === -1) return [...window, { t, calls: 1, failures, slow }];
  return window.map((b, i) => (i === index ? { t, calls: b.calls + 1, failures: b.failures + failures, slow: b.slow + slow } : b));
}

export function windowStats(window: Bucket[], now: number, config: BreakerConfig): WindowStats {
  let calls = 0;
  let failures = 0;
  let slow = 0;
  for (const b of pruneWindow(window, now, config)) {
    calls += b.calls;
    failures += b.failures;
    slow += b.slow;
  }
  const rate = (n: number) => (calls === 0 ? 0 : (n / calls) * 100);
  return { calls, failures, slow, failureRate: rate(failures), slowCallRate: rate(slow) };
}

/** The state callers see: an operator's override wins over the automatic status. */
export function effectiveStatus(state: BreakerState): BreakerStatus {
  return state.forced ?? state.status;
}

/** A change of the breaker's effective state, or an operator's override, with why it happened. */
export interface Transition {
  at: number;
  from: BreakerStatus;
  to: BreakerStatus;
  /** `failure-rate`, `slow-call-rate`, `retry-after`, `probe-failed` (to open), `wait-over` (to half-open),
   * `probes-succeeded` (to closed), or an operator's `forced-open`, `forced-closed`, `auto`. */
  reason: string;
  /** Whether the breaker judged it by itself (a trip or a recovery), not an operator. */
  automatic: boolean;
}

/** What `event` changed between `before` and `after`, as a timeline entry; null when nothing did. */
export function transitionOf(before: BreakerState, after: BreakerState, event: BreakerEvent, now: number): Transition | null {
  const from = effectiveStatus(before);
  const to = effectiveStatus(after);
  if (event.type === 'force')
    return { at: now, from, to, reason: event.mode === 'auto' ? 'auto' : `forced-${event.mode}`, automatic: false };
  if (from === to) return null;
  const reason = to === 'open' ? (after.reason ?? 'opened') : to === 'half-open' ? 'wait-over' : 'probes-succeeded';
  return { at: now, from, to, reason, automatic: true };
}
