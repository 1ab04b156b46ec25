/**
 * `FeedBreakerAggregator`: a level between the isolates and the global `FeedBreaker`, so that no
 * object takes every isolate's syncs (a Durable Object serves about a thousand RPCs a second). With
 * `BREAKER_AGGREGATORS = N > 0`, each isolate picks one of N aggregators when it starts and syncs
 * with it exactly as it would with the global object (same RPCs). The aggregator keeps a breaker
 * copy of its own (`SharedBreaker`, the class the isolates use): it folds its isolates' outcomes
 * into it, answers them with it, and syncs it with the global object at most every
 * `BREAKER_AGGREGATOR_FLUSH_MS` (failures batched too: its window already holds many isolates'
 * outcomes) and whenever older than `BREAKER_SYNC_MS`. A trip, found by the aggregator's own window
 * or by the global one, flows back down in the answers. Probe slots and operator forces go straight
 * through to the global object, which alone hands them out.
 */
import { DurableObject } from 'cloudflare:workers';
import type { BreakerConfig, BreakerState, Outcome } from './breaker.ts';
import { parseFeedConfig } from './config.ts';
import { SharedBreaker, type BreakerStub } from './shared-breaker.ts';

const AGGREGATOR_POLICY = { batchFailures: true, rounds: 1 };

export class FeedBreakerAggregator extends DurableObject<FeedEnv> implements BreakerStub {
  #copy: SharedBreaker | undefined;

  /** Folds a batch from one isolate into this aggregator's copy; answers the copy's state. */
  sync(upstream: string, outcomes: Outcome[], _config: BreakerConfig): Promise<BreakerState> {
    const copy = this.#copyOf();
    const now = Date.now();
    for (const outcome of outcomes) copy.record(outcome, now);
    copy.maybeSync(this.ctx, () => this.#global(upstream), now);
    return Promise.resolve(copy.state);
  }

  /** Probe slots are the global object's to hand out. */
  acquireProbe(upstream: string, config: BreakerConfig): Promise<{ granted: boolean; state: BreakerState }> {
    return this.#global(upstream).acquireProbe(upstream, config);
  }

  /** An operator's force, applied to the global object and adopted here at once. */
  async force(upstream: string, mode: 'open' | 'closed' | 'auto', _config: BreakerConfig): Promise<BreakerState> {
    const copy = this.#copyOf();
    if (!(await copy.force(() => this.#global(upstream), mode))) throw new Error('the global breaker could not be reached');
    return copy.state;
  }

  /** The aggregator runs with the isolates' config (the same vars), at its own flush interval. */
  #copyOf(): SharedBreaker {
    if (!this.#copy) {
      const config = parseFeedConfig(this.env);
      this.#copy = new SharedBreaker({ ...config, flushMs: config.aggregatorFlushMs }, Date.now(), AGGREGATOR_POLICY);
    }
    return this.#copy;
  }

  #global(upstream: string): BreakerStub {
    return this.env.BREAKER.get(this.env.BREAKER.idFromName(upstream));
  }
}
