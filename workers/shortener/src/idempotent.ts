/** Runs a create at most once per (token, Idempotency-Key), replaying the first answer to retries. */
import type { Context } from 'hono';
import { HttpError, badRequest } from '../../../shared/http/errors.ts';
import { log } from '../../../shared/log.ts';
import type { ShortenerContext } from './guard.ts';
import type { Begin } from './idempotency.ts';
import { ask } from './links.ts';

export interface Answer {
  status: number;
  body: unknown;
  replayed?: boolean;
}

/** RFC 9110 field-value characters, and a length any client can live with. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export async function withIdempotency(c: Context<ShortenerContext>, body: unknown, create: () => Promise<Answer>): Promise<Answer> {
  const key = c.req.header('Idempotency-Key');
  if (key === undefined) return create();
  if (!KEY_PATTERN.test(key)) {
    throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters', { field: 'Idempotency-Key' });
  }
  return idempotent(c, key, body, create);
}

/**
 * Runs `create` at most once per (caller, `key`): the first answer is replayed to a repeat with the
 * same body. Errors about the key name `field` (the header, or a CSV row's `key` column).
 */
export async function idempotent(
  c: Context<ShortenerContext>,
  key: string,
  body: unknown,
  create: () => Promise<Answer>,
  field = 'Idempotency-Key',
): Promise<Answer> {
  const keys = c.env.IDEMPOTENCY;
  const stub = keys.get(keys.idFromName(`${c.get('tokenId')}:${key}`));
  const fingerprint = await sha256Hex(canonicalJson(body));
  const begin = await ask<Begin>(() => stub.begin(fingerprint, Date.now()));
  if (begin.state === 'replay') return { status: begin.answer.status, body: JSON.parse(begin.answer.json), replayed: true };
  if (begin.state === 'pending') {
    throw new HttpError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still running', {
      field,
      headers: { 'Retry-After': '1' },
    });
  }
  if (begin.state === 'mismatch') {
    throw new HttpError(422, 'idempotency_key_reused', `this ${field} was used with a different body`, { field });
  }
  let answer: Answer;
  try {
    answer = await create();
  } catch (error) {
    // A 4xx is the answer to this body: keep it. An outage is not: the next retry may run.
    if (error instanceof HttpError && error.status < 500) {
      await remember(() => stub.finish(fingerprint, { status: error.status, json: JSON.stringify(errorBody(error)) }));
    } else {
      await remember(() => stub.release(fingerprint));
    }
    throw error;
  }
  await remember(() => stub.finish(fingerprint, { status: answer.status, json: JSON.stringify(answer.body) }));
  return answer;
}

/**
 * Storing the answer is best effort: the link exists either way, and failing the request now would
 * invite the retry that makes a second one. A lost answer only means a retry after the pending
 * lease (30 s) runs again.
 */
async function remember(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    log('warn', 'links.idempotency_not_stored', { error: String(error) });
  }
}

function errorBody(error: HttpError): unknown {
  const { field, issues } = error.options;
  return {
    error: { code: error.code, message: error.message, ...(field !== undefined && { field }), ...(issues !== undefined && { issues }) },
  };
}

/**
 * JSON text with object keys sorted at every depth, so one body sent with its keys in another order
 * is the same body (RFC 8259 §4: the order of an object's members carries no meaning). Arrays keep
 * their order; numbers and strings were normalised by `JSON.parse` already.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
