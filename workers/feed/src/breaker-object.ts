/**
 * `FeedBreaker`: the authoritative breaker state of one upstream, shared by every isolate. A
 * Durable Object is single-threaded, so outcomes from all isolates fold into one window in order
 * and half-open probe slots are handed out exactly once. It runs the same pure functions as the
 * isolates' local copies (breaker.ts). SQLite-backed (`new_sqlite_classes`); the state is one small
 * value kept under one key and reloaded after eviction.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  admit,
  initialBreakerState,
  nextBreakerState,
  type BreakerConfig,
  type BreakerState,
  type ForcedMode,
  type Outcome,
} from './breaker.ts';

const KEY = 'state';

export class FeedBreaker extends DurableObject<FeedEnv> {
  #state: BreakerState | undefined;

  /** Folds a batch of outcomes reported by one isolate; answers the resulting state. */
  async sync(outcomes: Outcome[], config: BreakerConfig): Promise<BreakerState> {
    const now = Date.now();
    let state = await this.#load(now);
    for (const outcome of outcomes) state = nextBreakerState(state, { type: 'outcome', outcome }, now, config);
    if (outcomes.length) await this.#save(state);
    return state;
  }

  /** Hands out a half-open probe slot if one is free (the first after the wait opens half-open). */
  async acquireProbe(config: BreakerConfig): Promise<{ granted: boolean; state: BreakerState }> {
    const now = Date.now();
    const state = await this.#load(now);
    if (admit(state, now, config) !== 'probe') return { granted: false, state };
    const next = nextBreakerState(state, { type: 'probe-start' }, now, config);
    await this.#save(next);
    return { granted: true, state: next };
  }

  /** An operator's override: `open`, `closed`, or back to `auto` (closed, empty window). */
  async force(mode: ForcedMode | 'auto', config: BreakerConfig): Promise<BreakerState> {
    const now = Date.now();
    const next = nextBreakerState(await this.#load(now), { type: 'force', mode }, now, config);
    await this.#save(next);
    return next;
  }

  async #load(now: number): Promise<BreakerState> {
    this.#state ??= (await this.ctx.storage.get<BreakerState>(KEY)) ?? initialBreakerState(now);
    return this.#state;
  }

  async #save(state: BreakerState): Promise<void> {
    this.#state = state;
    await this.ctx.storage.put(KEY, state);
  }
}
