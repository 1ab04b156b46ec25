/**
 * An isolate's short-lived copy of the shared breaker. The hot path only reads this copy; talking
 * to the `FeedBreaker` Durable Object happens in `ctx.waitUntil`, never before an answer:
 *  - outcomes are folded into the copy at once (so this isolate reacts to what it sees itself) and
 *    queued; within `flushMs` they go to the Durable Object in one batch (a failure at once);
 *  - the Durable Object answers every batch with the authoritative state, which replaces the copy
 *    (with outcomes queued since re-applied on top); a copy older than `syncMs` triggers a refresh.
 *  - half-open probe slots come from the Durable Object, so all isolates together send at most
 *    `halfOpenProbes` probes.
 * If the Durable Object is unreachable, the copy simply keeps judging this isolate's own outcomes
 * (local judgement): requests never fail or wait because of it.
 */
import { admit, initialBreakerState, nextBreakerState, type Admission, type BreakerState, type Outcome } from './breaker.ts';
import type { FeedConfig } from './config.ts';
import { log } from '../../../shared/log.ts';

/** An RPC to the Durable Object that takes longer than this is treated as unreachable. */
const RPC_TIMEOUT_MS = 1_000;
/** Outcomes kept for a Durable Object that cannot be reached (already folded locally). */
const MAX_PENDING = 500;

/** The RPC surface of `FeedBreaker` (breaker-object.ts) the isolates use; `upstream` names the object's upstream. */
export interface BreakerStub {
  sync(upstream: string, outcomes: Outcome[], config: FeedConfig['breaker']): Promise<BreakerState>;
  acquireProbe(upstream: string, config: FeedConfig['breaker']): Promise<{ granted: boolean; state: BreakerState }>;
  force(upstream: string, mode: 'open' | 'closed' | 'auto', config: FeedConfig['breaker']): Promise<BreakerState>;
}

/** The part of an ExecutionContext the breaker needs: somewhere to run background work. */
export interface Background {
  waitUntil(promise: Promise<unknown>): void;
}

export interface SyncPolicy {
  /** Failures wait for the batch too (else a batch holding one goes at once). */
  batchFailures: boolean;
  /** Exchanges in a row while outcomes keep arriving. */
  rounds: number;
}

/** An isolate's copy: a failure is reported at once, up to three exchanges in a row. */
export const ISOLATE_POLICY: SyncPolicy = { batchFailures: false, rounds: 3 };

export interface SyncInfo {
  /** When the copy was last replaced by the Durable Object's state (0: never). */
  syncedAt: number;
  /** Whether the last exchange with the Durable Object succeeded. */
  reachable: boolean;
  pending: number;
}

export class SharedBreaker {
  state: BreakerState;
  #pending: Outcome[] = [];
  #syncingSince = 0;
  #lastAttemptAt = 0;
  #syncedAt = 0;
  #reachable = true;
  /** When this isolate's running probe started (0: none); a probe cut off mid-way expires. */
  #probingSince = 0;

  constructor(
    readonly config: FeedConfig,
    now: number,
    /** How this copy reports; an aggregator's batches failures too and sends one batch at a time. */
    readonly policy: SyncPolicy = ISOLATE_POLICY,
  ) {
    this.state = initialBreakerState(now);
  }

  admission(now: number): Admission {
    return admit(this.state, now, this.config.breaker);
  }

  info(): SyncInfo {
    return { syncedAt: this.#syncedAt, reachable: this.#reachable, pending: this.#pending.length };
  }

  /** Folds an outcome into the local copy and queues it for the Durable Object. */
  record(outcome: Outcome, now: number): void {
    const before = this.state.status;
    this.state = nextBreakerState(this.state, { type: 'outcome', outcome }, now, this.config.breaker);
    this.#pending.push(outcome);
    if (this.#pending.length > MAX_PENDING) this.#pending.splice(0, this.#pending.length - MAX_PENDING);
    if (before !== this.state.status) {
      log('warn', 'feed.breaker.local_transition', { from: before, to: this.state.status, reason: this.state.reason });
    }
  }

  /**
   * Schedules an exchange with the Durable Object in the background when there is something to
   * report or the copy is stale. A trip found locally is reported without the batching delay.
   */
  maybeSync(ctx: Background, stub: () => BreakerStub, now: number): void {
    const inFlight = this.#syncingSince !== 0 && now - this.#syncingSince < RPC_TIMEOUT_MS * 3;
    if (inFlight) return;
    const stale = now - this.#lastAttemptAt >= this.config.syncMs;
    const backingOff = !this.#reachable && !stale;
    if (backingOff || (this.#pending.length === 0 && !stale)) return;
    // Successes are batched; a failure goes at once, since failures from all isolates together
    // decide the trip (and the answer brings back what the others reported).
    const batching = this.policy.batchFailures || (this.state.status === 'closed' && !this.#pending.some((o) => o.failed));
    const delay = this.#pending.length && batching ? this.config.flushMs : 0;
    this.#syncingSince = now;
    this.#lastAttemptAt = now;
    ctx.waitUntil(this.#sync(stub, delay));
  }

  async #sync(stub: () => BreakerStub, delayMs: number): Promise<void> {
    try {
      if (delayMs > 0) await sleep(delayMs);
      // Up to a few rounds, so outcomes that arrived during one exchange do not wait for a request.
      for (let round = 0; round < this.policy.rounds; round++) {
        const batch = this.#pending.splice(0);
        try {
          const remote = await withTimeout(stub().sync(this.config.upstreamKey, batch, this.config.breaker));
          this.#adopt(remote);
        } catch (error) {
          this.#pending.unshift(...batch);
          this.#unreachable(error);
          return;
        }
        if (this.#pending.length === 0) return;
      }
    } finally {
      this.#syncingSince = 0;
    }
  }

  /** Whether this isolate's probe is still running (then another one would only return at once). */
  probing(now: number): boolean {
    return this.#probingSince !== 0 && now - this.#probingSince < this.config.breaker.timeoutMs + RPC_TIMEOUT_MS * 3;
  }

  /**
   * In the background: asks the Durable Object for a probe slot and, if granted, runs `probe` and
   * reports its outcome at once. Unreachable Durable Object: the local copy hands out the slot.
   */
  async probe(stub: () => BreakerStub, run: () => Promise<Outcome | undefined>): Promise<void> {
    const now = Date.now();
    if (this.probing(now)) return;
    this.#probingSince = now;
    try {
      let granted: boolean;
      try {
        const answer = await withTimeout(stub().acquireProbe(this.config.upstreamKey, this.config.breaker));
        this.#adopt(answer.state);
        granted = answer.granted;
      } catch (error) {
        this.#unreachable(error);
        granted = this.admission(Date.now()) === 'probe';
        if (granted) this.state = nextBreakerState(this.state, { type: 'probe-start' }, Date.now(), this.config.breaker);
      }
      if (!granted) return;
      const outcome = (await run()) ?? { at: Date.now(), failed: false, durationMs: 0, probe: true };
      this.record(outcome, Date.now());
      // Report the probe's outcome at once: the shared state moves out of half-open for everyone.
      await this.refresh(stub);
    } finally {
      this.#probingSince = 0;
    }
  }

  /**
   * An operator's override, applied to the Durable Object (awaited: an admin request). Answers
   * false when it could only be applied to this isolate's copy.
   */
  async force(stub: () => BreakerStub, mode: 'open' | 'closed' | 'auto'): Promise<boolean> {
    this.state = nextBreakerState(this.state, { type: 'force', mode }, Date.now(), this.config.breaker);
    this.#pending = [];
    try {
      this.#adopt(await withTimeout(stub().force(this.config.upstreamKey, mode, this.config.breaker)));
      return true;
    } catch (error) {
      this.#unreachable(error);
      return false;
    }
  }

  /** Sends pending outcomes and reads the Durable Object's state now (an admin request, a probe's end). */
  async refresh(stub: () => BreakerStub): Promise<void> {
    const batch = this.#pending.splice(0);
    try {
      this.#adopt(await withTimeout(stub().sync(this.config.upstreamKey, batch, this.config.breaker)));
    } catch (error) {
      this.#pending.unshift(...batch);
      this.#unreachable(error);
    }
  }

  /** The authoritative state, with outcomes this isolate has not reported yet re-applied on top. */
  #adopt(remote: BreakerState): void {
    const now = Date.now();
    let state = remote;
    for (const outcome of this.#pending) state = nextBreakerState(state, { type: 'outcome', outcome }, now, this.config.breaker);
    if (state.status !== this.state.status) {
      log('info', 'feed.breaker.adopted', { from: this.state.status, to: state.status, reason: state.reason });
    }
    this.state = state;
    this.#syncedAt = now;
    this.#reachable = true;
  }

  #unreachable(error: unknown): void {
    if (this.#reachable) log('warn', 'feed.breaker.do_unreachable', { error: String(error) });
    this.#reachable = false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects when a Durable Object RPC takes longer than `RPC_TIMEOUT_MS`. */
export function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Durable Object did not answer within ${RPC_TIMEOUT_MS} ms`)), RPC_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
