/**
 * The consumer side: turns a batch of queue messages into per-minute and per-hour rows in the
 * owner's D1 database. Queues deliver at least once, so each message is counted once: its rows are
 * added only if its id is not yet in `consumed_message`, and its id is recorded in the same D1
 * batch (one transaction), so a retried or redelivered message adds nothing twice.
 *
 * A message that does not parse is acknowledged and counted as malformed (retrying cannot fix it);
 * a D1 error retries the batch (Queues' `max_retries`, then the dead-letter queue), and never
 * reaches a user: producers only ever see their own queue's answer.
 */
import { log } from '../log.ts';
import * as z from 'zod/mini';
import { MAX_NAME_LENGTH, MAX_ROWS_PER_MESSAGE, MESSAGE_VERSION, type RollupMessage } from './message.ts';
import { ensureSchema } from './schema.ts';

/** What a consumer accepts: the message contract, checked (producers bundle no validator). */
const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH));

export const rollupMessage = z.object({
  v: z.literal(MESSAGE_VERSION),
  stream: z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,31}$/)),
  minute: z.number().check(z.int(), z.nonnegative()),
  rows: z.array(z.tuple([name, name, z.number().check(z.int(), z.positive())])).check(z.minLength(1), z.maxLength(MAX_ROWS_PER_MESSAGE)),
});

export interface RollupResult {
  messages: number;
  rows: number;
  malformed: number;
}

// One statement per table for a whole batch (not per message): the rows of the batch's messages not
// consumed yet, summed per (stream, key, dim, minute or hour) in SQL. A viral link's clicks from a
// hundred isolates so cost its hot row one write per table per batch, and D1 (one thread per
// database) a handful of statements per batch instead of three per message. Each row is
// [message id, stream, key, dim, minute, n].
const ADD_MINUTES = `INSERT INTO rollup_minute (stream, key, dim, minute, n)
  SELECT json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'),
    SUM(json_extract(r.value, '$[5]'))
  FROM json_each(?1) AS r WHERE NOT EXISTS (SELECT 1 FROM consumed_message WHERE id = json_extract(r.value, '$[0]'))
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (stream, key, minute, dim) DO UPDATE SET n = n + excluded.n`;

const ADD_HOURS = `INSERT INTO rollup_hour (stream, key, dim, hour, n)
  SELECT json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]') / 60,
    SUM(json_extract(r.value, '$[5]'))
  FROM json_each(?1) AS r WHERE NOT EXISTS (SELECT 1 FROM consumed_message WHERE id = json_extract(r.value, '$[0]'))
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (stream, key, hour, dim) DO UPDATE SET n = n + excluded.n`;

const MARK_CONSUMED = 'INSERT OR IGNORE INTO consumed_message (id, at) SELECT r.value, ?2 FROM json_each(?1) AS r';

/** Bytes of rows (as JSON) per pair of statements: well under D1's 2 MB for one bound value. */
const CHUNK_BYTES = 512 * 1024;

type FlatRow = [id: string, stream: string, key: string, dim: string, minute: number, n: number];

/** Rolls up `batch` into `db` in one D1 batch (one transaction); throws on a D1 error so the caller can retry the batch. */
export async function rollUp(batch: MessageBatch<unknown>, db: D1Database, now = Date.now()): Promise<RollupResult> {
  await ensureSchema(db);
  const result: RollupResult = { messages: 0, rows: 0, malformed: 0 };
  const statements: D1PreparedStatement[] = [];
  const ids: string[] = [];
  let chunk: FlatRow[] = [];
  let chunkBytes = 0;
  const addChunk = () => {
    if (chunk.length === 0) return;
    const rows = JSON.stringify(chunk);
    statements.push(db.prepare(ADD_MINUTES).bind(rows), db.prepare(ADD_HOURS).bind(rows));
    chunk = [];
    chunkBytes = 0;
  };
  for (const message of batch.messages) {
    const parsed = rollupMessage.safeParse(message.body);
    if (!parsed.success) {
      result.malformed++;
      log('warn', 'events.malformed', { queue: batch.queue, id: message.id, issue: parsed.error.issues[0]?.message });
      continue;
    }
    const body: RollupMessage = parsed.data as RollupMessage;
    for (const [key, dim, n] of body.rows) {
      chunk.push([message.id, body.stream, key, dim, body.minute, n]);
      chunkBytes += message.id.length + body.stream.length + key.length + dim.length + 40;
      if (chunkBytes >= CHUNK_BYTES) addChunk();
    }
    ids.push(message.id);
    result.messages++;
    result.rows += body.rows.length;
  }
  addChunk();
  // Marked after every chunk is added: a message already marked adds nothing in any of them.
  if (ids.length > 0) statements.push(db.prepare(MARK_CONSUMED).bind(JSON.stringify(ids), now));
  if (statements.length > 0) await db.batch(statements);
  return result;
}

/**
 * A queue handler for an owner worker: rolls the batch up, acknowledges it whole, or on a D1 error
 * asks for the whole batch again after `retryDelaySeconds` (nothing is half-written: the D1 batch is
 * one transaction).
 */
export async function consumeEvents(batch: MessageBatch<unknown>, db: D1Database, retryDelaySeconds = 5): Promise<RollupResult | null> {
  try {
    const result = await rollUp(batch, db);
    batch.ackAll();
    return result;
  } catch (error) {
    log('error', 'events.rollup_failed', { queue: batch.queue, messages: batch.messages.length, error: String(error) });
    batch.retryAll({ delaySeconds: retryDelaySeconds });
    return null;
  }
}
