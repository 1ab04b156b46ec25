/**
 * `FeedBreaker`: the authoritative breaker state of one upstream, shared by every isolate. A
 * Durable Object is single-threaded, so outcomes from all isolates fold into one window in order
 * and half-open probe slots are handed out exactly once. It runs the same pure functions as the
 * isolates' local copies (breaker.ts). SQLite-backed (`new_sqlite_classes`); the state is one small
 * value kept under one key and reloaded after eviction.
 *
 * Transitions happen here, so this is where they are written down: a bounded timeline (the last
 * TIMELINE_LIMIT changes, with their reasons) in the object's own SQLite, and each trip and recovery
 * counted into the worker's event stream (`breaker`, key = upstream) for the charts.
 */
import { DurableObject } from 'cloudflare:workers';
import { EventBuffer } from '../../../shared/events/buffer.ts';
import {
  admit,
  initialBreakerState,
  nextBreakerState,
  transitionOf,
  type BreakerConfig,
  type BreakerEvent,
  type BreakerState,
  type BreakerStatus,
  type ForcedMode,
  type Outcome,
  type Transition,
} from './breaker.ts';
import { BREAKER_STREAM } from './events.ts';

const KEY = 'state';
/** Transitions kept; older ones are dropped as new ones come (a busy day is a few dozen). */
export const TIMELINE_LIMIT = 500;

/** The state and the transitions since a time, for an operator. */
export interface BreakerReport {
  state: BreakerState;
  timeline: Omit<Transition, 'automatic'>[];
}

export class FeedBreaker extends DurableObject<FeedEnv> {
  #state: BreakerState | undefined;
  #schemaReady = false;
  readonly #events = new EventBuffer({ producer: 'feed-breaker', flushMs: 0 });

  /** Folds a batch of outcomes reported by one isolate; answers the resulting state. */
  async sync(upstream: string, outcomes: Outcome[], config: BreakerConfig): Promise<BreakerState> {
    const now = Date.now();
    let state = await this.#load(now);
    for (const outcome of outcomes) state = this.#apply(upstream, state, { type: 'outcome', outcome }, now, config);
    if (outcomes.length) await this.#save(state);
    return state;
  }

  /** Hands out a half-open probe slot if one is free (the first after the wait opens half-open). */
  async acquireProbe(upstream: string, config: BreakerConfig): Promise<{ granted: boolean; state: BreakerState }> {
    const now = Date.now();
    const state = await this.#load(now);
    if (admit(state, now, config) !== 'probe') return { granted: false, state };
    const next = this.#apply(upstream, state, { type: 'probe-start' }, now, config);
    await this.#save(next);
    return { granted: true, state: next };
  }

  /** An operator's override: `open`, `closed`, or back to `auto` (closed, empty window). */
  async force(upstream: string, mode: ForcedMode | 'auto', config: BreakerConfig): Promise<BreakerState> {
    const now = Date.now();
    const next = this.#apply(upstream, await this.#load(now), { type: 'force', mode }, now, config);
    await this.#save(next);
    return next;
  }

  /** The state now and the transitions since `since` (epoch ms), oldest first. */
  async report(since: number): Promise<BreakerReport> {
    const state = await this.#load(Date.now());
    this.#ensureSchema();
    const rows = this.ctx.storage.sql
      .exec<{ at: number; from_state: string; to_state: string; reason: string }>(
        'SELECT at, from_state, to_state, reason FROM transition WHERE at >= ? ORDER BY id',
        since,
      )
      .toArray();
    return {
      state,
      timeline: rows.map((r) => ({ at: r.at, from: r.from_state as BreakerStatus, to: r.to_state as BreakerStatus, reason: r.reason })),
    };
  }

  /** One event, with its transition (if any) written to the timeline and counted. */
  #apply(upstream: string, state: BreakerState, event: BreakerEvent, now: number, config: BreakerConfig): BreakerState {
    const next = nextBreakerState(state, event, now, config);
    const transition = transitionOf(state, next, event, now);
    if (transition) this.#record(upstream, transition);
    return next;
  }

  #record(upstream: string, transition: Transition): void {
    this.#ensureSchema();
    const sql = this.ctx.storage.sql;
    sql.exec(
      'INSERT INTO transition (at, from_state, to_state, reason) VALUES (?, ?, ?, ?)',
      transition.at,
      transition.from,
      transition.to,
      transition.reason,
    );
    sql.exec('DELETE FROM transition WHERE id <= (SELECT MAX(id) FROM transition) - ?', TIMELINE_LIMIT);
    const dim = !transition.automatic ? null : transition.to === 'open' ? 'trip' : transition.to === 'closed' ? 'recovery' : null;
    if (dim === null) return;
    // Counted, never awaited: a lost count is counted as lost (shared/events), never a failed call.
    const flush = this.#events.count(this.env.EVENTS, BREAKER_STREAM, upstream, dim);
    if (flush) this.ctx.waitUntil(flush);
  }

  #ensureSchema(): void {
    if (this.#schemaReady) return;
    this.ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS transition (
         id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
         from_state TEXT NOT NULL, to_state TEXT NOT NULL, reason TEXT NOT NULL)`,
    );
    this.#schemaReady = true;
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
