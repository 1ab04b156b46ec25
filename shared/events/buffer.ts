/**
 * Per-isolate event counting for hot paths. `count()` only adds to a map; the first count after a
 * quiet spell starts a flush that waits `flushMs`, then sends everything this isolate counted
 * meanwhile as a few queue messages in one `sendBatch`. A busy isolate so costs one queue call per
 * `flushMs`, and a request never waits on the queue: the caller hands the returned promise to
 * `ctx.waitUntil`, and gets `null` when a flush is already under way.
 *
 * Losing events is allowed, failing a request is not: a send that throws (queue full, binding
 * missing) drops that batch and counts what it held; the count goes out with the next batch as
 * stream `events`, key = the producer's name, dim `lost`, and in a log line.
 */
import { log } from '../log.ts';
import {
  MAX_MESSAGES_PER_BATCH,
  MAX_NAME_LENGTH,
  MAX_ROWS_PER_MESSAGE,
  MESSAGE_VERSION,
  minuteOf,
  type RollupMessage,
  type Row,
} from './message.ts';

/** The part of a Queue producer binding the buffer uses. */
export interface EventQueue {
  sendBatch(messages: Iterable<{ body: RollupMessage }>): Promise<unknown>;
}

export interface EventBufferOptions {
  /** Names this producer in the `events` stream (its losses). */
  producer: string;
  /** How long the first count waits for others before a flush (0: flush at once). */
  flushMs: number;
  /** Most distinct rows held; past it new rows are dropped and counted as lost. */
  maxRows?: number;
  /**
   * Spread of each wait around `flushMs`, as a fraction (0.5: between half and one and a half
   * times it; default 0). A fleet whose isolates all start counting at once (a viral link, a
   * deploy) then does not send in step, every `flushMs`, in one burst.
   */
  jitter?: number;
  /** Uniform in [0, 1): the jitter's draws (default `Math.random`). */
  random?: () => number;
}

/** A flush older than this is presumed cut off (its waitUntil ended) and no longer blocks. */
const FLUSH_STALE_MS = 60_000;

/** Send rounds one flush may make before leaving the rest to the next count. */
const MAX_ROUNDS = 10;

/**
 * How long one flush's waits may add up to: a `waitUntil` runs for up to 30 s after its response,
 * so a long `flushMs` (the redirector's at fleet scale) gets fewer rounds, never one that is cut off.
 */
const FLUSH_SPAN_MS = 20_000;

export class EventBuffer {
  readonly #counts = new Map<string, number>();
  readonly #producer: string;
  readonly #flushMs: number;
  readonly #maxRows: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #flushingSince: number | null = null;
  #lost = 0;
  /** Counts sent, and counts lost, since this buffer was made (for tests and logs). */
  readonly stats = { sent: 0, lost: 0 };

  constructor(options: EventBufferOptions) {
    this.#producer = options.producer;
    this.#flushMs = options.flushMs;
    this.#maxRows = options.maxRows ?? MAX_ROWS_PER_MESSAGE * MAX_MESSAGES_PER_BATCH - 1;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
    this.#random = options.random ?? Math.random;
  }

  /**
   * Counts `n` of `dim` for `key` in `stream` now. Returns the flush to hand to `ctx.waitUntil`, or
   * null when one is already under way. Never throws.
   */
  count(queue: EventQueue | undefined, stream: string, key: string, dim: string, n = 1, now = Date.now()): Promise<void> | null {
    const id = `${minuteOf(now)}\t${stream}\t${clip(key)}\t${clip(dim)}`;
    const current = this.#counts.get(id);
    if (current !== undefined) this.#counts.set(id, current + n);
    else if (this.#counts.size < this.#maxRows) this.#counts.set(id, n);
    else this.#lose(n);
    if (this.#flushingSince !== null && now - this.#flushingSince < FLUSH_STALE_MS) return null;
    if (queue === undefined) return null;
    this.#flushingSince = now;
    return this.#flush(queue);
  }

  /** Rows waiting to be sent (for tests). */
  get pending(): number {
    return this.#counts.size;
  }

  /**
   * Waits, sends what was counted, and goes on while counts keep arriving during the send, for at
   * most `MAX_ROUNDS` rounds within `FLUSH_SPAN_MS` (a waitUntil has a time limit); a count after
   * that starts a new flush.
   */
  async #flush(queue: EventQueue): Promise<void> {
    try {
      const longestWait = this.#flushMs * (1 + this.#jitter);
      const rounds = Math.min(MAX_ROUNDS, Math.max(1, Math.floor(FLUSH_SPAN_MS / Math.max(1, longestWait))));
      for (let round = 0; round < rounds && (this.#counts.size > 0 || this.#lost > 0); round++) {
        // Always yield first, so counts made in the same tick join this round.
        await scheduler.wait(this.#flushMs * (1 + this.#jitter * (2 * this.#random() - 1)));
        const messages = this.#drain(Date.now());
        if (messages.length === 0) continue;
        const rows = messages.reduce((sum, m) => sum + m.rows.reduce((s, [, , n]) => s + n, 0), 0);
        try {
          await queue.sendBatch(messages.map((body) => ({ body })));
          this.stats.sent += rows;
        } catch (error) {
          this.#lose(rows);
          log('warn', 'events.send_failed', { producer: this.#producer, lost: rows, error: String(error) });
          return;
        }
      }
    } finally {
      this.#flushingSince = null;
    }
  }

  #lose(n: number): void {
    this.#lost += n;
    this.stats.lost += n;
  }

  /** Takes every row out of the buffer, grouped into messages, with any losses as a row of their own. */
  #drain(now: number): RollupMessage[] {
    if (this.#lost > 0) {
      const id = `${minuteOf(now)}\tevents\t${this.#producer}\tlost`;
      this.#counts.set(id, (this.#counts.get(id) ?? 0) + this.#lost);
      this.#lost = 0;
    }
    const byGroup = new Map<string, RollupMessage>();
    const messages: RollupMessage[] = [];
    for (const [id, n] of this.#counts) {
      const [minute, stream, key, dim] = id.split('\t') as [string, string, string, string];
      const group = `${minute}\t${stream}`;
      let message = byGroup.get(group);
      if (message === undefined || message.rows.length >= MAX_ROWS_PER_MESSAGE) {
        message = { v: MESSAGE_VERSION, stream, minute: Number(minute), rows: [] };
        byGroup.set(group, message);
        messages.push(message);
      }
      message.rows.push([key, dim, n] satisfies Row);
    }
    this.#counts.clear();
    if (messages.length > MAX_MESSAGES_PER_BATCH) {
      for (const dropped of messages.splice(MAX_MESSAGES_PER_BATCH)) {
        this.#lose(dropped.rows.reduce((sum, [, , n]) => sum + n, 0));
      }
    }
    return messages;
  }
}

function clip(name: string): string {
  const clean = name.replaceAll('\t', ' ');
  return clean.length > MAX_NAME_LENGTH ? clean.slice(0, MAX_NAME_LENGTH) : clean || '-';
}
