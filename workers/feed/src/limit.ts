/**
 * A concurrency limit in front of the recommender, per isolate: at most `limit` calls in flight, and
 * a request past it is answered degraded at once ("shed") rather than queued behind the
 * recommender's own queue, as Envoy's adaptive concurrency filter and Netflix's concurrency-limits
 * do. Shed requests never reach the recommender, so they count neither way for the breaker.
 *
 * Adaptive (AIMD, Netflix concurrency-limits' `AIMDLimit`, TCP's congestion window): a call that
 * failed or was slow (the breaker's slow-call threshold) halves the limit; a good call while the
 * limit is at least half in use adds one; between 1 and `max`. A recommender that slows down under
 * load so gets fewer calls at once until its latency is back, and one that hangs costs at most
 * about one round of `limit` waiting callers before the limit is down to one. Fixed: always `max`.
 * Pure and clock-free; the isolate's state holds one.
 */
import type { Outcome } from './breaker.ts';

/** Multiplicative decrease on a failed or slow call. */
const BACKOFF = 0.5;

export interface LimitConfig {
  max: number;
  adaptive: boolean;
  /** A call at least this slow is a sign of overload (the breaker's `slowCallDurationMs`). */
  slowCallMs: number;
}

export class ConcurrencyLimit {
  #limit: number;
  #inFlight = 0;
  /** Requests shed since this isolate started (for `_status`). */
  shed = 0;

  constructor(readonly config: LimitConfig) {
    this.#limit = config.max;
  }

  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes a slot if one is free; false: shed this request. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.limit) {
      this.shed++;
      return false;
    }
    this.#inFlight++;
    return true;
  }

  /** Gives the slot back with what the call came to (none: it counted neither way). */
  release(outcome: Outcome | undefined): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (!this.config.adaptive || outcome === undefined) return;
    if (outcome.failed || outcome.durationMs >= this.config.slowCallMs) {
      this.#limit = Math.max(1, this.#limit * BACKOFF);
    } else if ((this.#inFlight + 1) * 2 >= this.#limit) {
      this.#limit = Math.min(this.config.max, this.#limit + 1);
    }
  }
}
