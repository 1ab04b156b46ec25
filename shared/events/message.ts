/**
 * The contract between a worker that emits events and the consumer that rolls them up: one queue
 * message carries counts already summed by the sending isolate, per (stream, key, dimension) within
 * one minute. Producers and consumers import this module; nothing else defines the shape.
 *
 *   stream  what is counted: `clicks` (per short link), `prerender` (per crawler category),
 *           `breaker` (per upstream), `events` (the pipeline's own losses)
 *   key     the thing counted within the stream: a link code, a category, an upstream
 *   dim     the kind of count: `human`, `hit`, `trip`, `ref:example.com`, `country:DE`, ...
 *   n       how many (a sum; durations use their own dim, e.g. `browser_ms`)
 */
export const MESSAGE_VERSION = 1;

/** Longest key or dim stored: longer ones are cut (a referrer host, a URL prefix). */
export const MAX_NAME_LENGTH = 200;

/** Rows per queue message: keeps a message well under the 128 KB Queues limit. */
export const MAX_ROWS_PER_MESSAGE = 500;

/** Messages per `sendBatch` (a Queues limit). */
export const MAX_MESSAGES_PER_BATCH = 100;

export type Row = [key: string, dim: string, n: number];

export interface RollupMessage {
  v: typeof MESSAGE_VERSION;
  stream: string;
  /** Minutes since the Unix epoch, UTC. */
  minute: number;
  rows: Row[];
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);
export const hourOf = (ms: number): number => Math.floor(ms / 3_600_000);
