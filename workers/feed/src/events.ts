/**
 * What the feed counts for its operators, into its own queue (shared/events): stream `breaker`,
 * key = the upstream (its origin), dims
 *   live, degraded        answers served (the share served degraded)
 *   failure, slow         calls to the upstream that failed, and that were slow (the same call may be both)
 *   trip, recovery        counted by the FeedBreaker Durable Object, where transitions happen
 * Counting only adds to a map in the isolate; the flush runs in `waitUntil`, so no answer waits on
 * it, and a count that cannot be sent is counted as lost, never a failed request.
 */
import { EventBuffer, type EventQueue } from '../../../shared/events/buffer.ts';
import type { Outcome } from './breaker.ts';
import type { Background } from './shared-breaker.ts';

export const BREAKER_STREAM = 'breaker';
export const BREAKER_DIMS = ['live', 'degraded', 'failure', 'slow', 'trip', 'recovery'] as const;
export type BreakerDim = (typeof BREAKER_DIMS)[number];

/** One isolate's counter for one upstream; it sends at most one batch per `flushMs` (EVENTS_FLUSH_MS). */
export class FeedEvents {
  readonly #buffer: EventBuffer;

  constructor(
    private readonly queue: EventQueue | undefined,
    private readonly upstream: string,
    private readonly slowCallMs: number,
    flushMs: number,
  ) {
    this.#buffer = new EventBuffer({ producer: 'feed', flushMs });
  }

  count(dim: BreakerDim, background: Background): void {
    const flush = this.#buffer.count(this.queue, BREAKER_STREAM, this.upstream, dim);
    if (flush !== null) background.waitUntil(flush);
  }

  /** A call's outcome: a failure, a slow call, both or neither. */
  outcome(outcome: Outcome, background: Background): void {
    if (outcome.failed) this.count('failure', background);
    if (outcome.durationMs >= this.slowCallMs) this.count('slow', background);
  }

  /** Counts sent and lost by this isolate so far (for `_status`). */
  get stats(): { sent: number; lost: number } {
    return { ...this.#buffer.stats };
  }
}
