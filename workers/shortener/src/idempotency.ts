/**
 * `IdempotencyKeys`: one object per (token, Idempotency-Key) pair. A retried create with the same
 * key and body gets the first answer back instead of making a second link; the same key with another
 * body is refused; a retry racing the first attempt is told to wait (409), as the IETF draft
 * "The Idempotency-Key HTTP Header Field" describes
 * (https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/).
 * Entries live 24 hours, then an alarm clears the object.
 */
import { DurableObject } from 'cloudflare:workers';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A create that started but never finished (its worker died) stops blocking retries after this. */
export const PENDING_LEASE_MS = 30 * 1000;

/** The first answer, its body kept as JSON text (RPC carries only serializable types). */
export interface StoredAnswer {
  status: number;
  json: string;
}

export type Begin = { state: 'new' } | { state: 'replay'; answer: StoredAnswer } | { state: 'pending' } | { state: 'mismatch' };

interface Entry {
  fingerprint: string;
  startedAt: number;
  answer?: StoredAnswer;
}

export class IdempotencyKeys extends DurableObject<ShortenerEnv> {
  async begin(fingerprint: string, now: number): Promise<Begin> {
    const entry = await this.ctx.storage.get<Entry>('entry');
    if (entry !== undefined) {
      if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (entry.answer !== undefined) return { state: 'replay', answer: entry.answer };
      if (now - entry.startedAt < PENDING_LEASE_MS) return { state: 'pending' };
    }
    await this.ctx.storage.put<Entry>('entry', { fingerprint, startedAt: now });
    await this.ctx.storage.setAlarm(now + IDEMPOTENCY_TTL_MS);
    return { state: 'new' };
  }

  async finish(fingerprint: string, answer: StoredAnswer): Promise<void> {
    const entry = await this.ctx.storage.get<Entry>('entry');
    if (entry?.fingerprint !== fingerprint) return;
    await this.ctx.storage.put<Entry>('entry', { ...entry, answer });
  }

  /** The create failed for a reason a retry may fix (an outage): let the next attempt run. */
  async release(fingerprint: string): Promise<void> {
    const entry = await this.ctx.storage.get<Entry>('entry');
    if (entry?.fingerprint === fingerprint && entry.answer === undefined) await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
