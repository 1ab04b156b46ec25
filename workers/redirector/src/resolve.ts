/**
 * Finding a link: KV first (the fast, eventually consistent copy), then the authority.
 *
 * - KV miss: KV takes up to 60 s to spread a new link, so the authority is asked before any 404
 *   ("no 404 window"). Its "nobody owns this" is remembered for NEGATIVE_TTL_MS per isolate, so a
 *   scanner guessing codes costs one authority call per code per isolate, not one per request.
 *   KV is still read first every time, so a link created meanwhile works once KV has it.
 * - KV error: the authority, else the last copy this isolate served, else `unavailable` (503).
 * - A record this isolate read less than FRESH_MS ago is served from memory without any I/O: the
 *   hot path of a popular link. KV reads are already up to 60 s stale, so this adds FRESH_MS to the
 *   time an edit or delete takes to reach every visitor (documented in the README).
 */
import { linkKey } from '../../../shared/links/keys.ts';
import type { LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import type { RedirectorState } from './state.ts';

export const NEGATIVE_TTL_MS = 10_000;
export const LAST_KNOWN_TTL_MS = 60 * 60 * 1000;
export const FRESH_MS = 5_000;

export type Resolution =
  { kind: 'found'; record: LinkRecord; source: 'kv' | 'authority' | 'memory' } | { kind: 'unknown' } | { kind: 'unavailable' };

/** What resolving needs: the isolate's memories and authority accessor, and KV. */
export type ResolveDeps = Pick<RedirectorState, 'negative' | 'lastKnown' | 'authority'> & { kv: KVNamespace };

/**
 * The record this isolate read less than FRESH_MS ago, if any: the hot path, answered without I/O
 * and without a promise (the handler asks this before `resolveLink`, which asks it again).
 */
export function freshRecord(state: Pick<RedirectorState, 'lastKnown'>, code: string, now: number): LinkRecord | undefined {
  // `peek`: the hot path leaves recency alone (each KV re-read every FRESH_MS re-inserts the link).
  const remembered = state.lastKnown.peek(code, now);
  return remembered !== undefined && now - remembered.readAt < FRESH_MS ? remembered.record : undefined;
}

export async function resolveLink(code: string, deps: ResolveDeps, now: number): Promise<Resolution> {
  const { negative, lastKnown } = deps;
  const remembered = lastKnown.get(code, now);
  if (remembered !== undefined && now - remembered.readAt < FRESH_MS) {
    return { kind: 'found', record: remembered.record, source: 'memory' };
  }
  let kvFailed = false;
  try {
    const record = await deps.kv.get<LinkRecord>(linkKey(code), 'json');
    if (record !== null) {
      lastKnown.set(code, { record, readAt: now }, LAST_KNOWN_TTL_MS, now);
      return { kind: 'found', record, source: 'kv' };
    }
  } catch (error) {
    kvFailed = true;
    log('warn', 'redirector.kv_failed', { code, error: String(error) });
  }
  if (!kvFailed && negative.get(code, now)) return { kind: 'unknown' };

  try {
    const authority = deps.authority(code);
    if (authority === undefined) throw new Error('LINK_AUTHORITY binding missing');
    const record = await authority.lookup();
    if (record === null) {
      negative.set(code, true, NEGATIVE_TTL_MS, now);
      return { kind: 'unknown' };
    }
    lastKnown.set(code, { record, readAt: now }, LAST_KNOWN_TTL_MS, now);
    return { kind: 'found', record, source: 'authority' };
  } catch (error) {
    log('warn', 'redirector.authority_failed', { code, error: String(error) });
  }
  if (remembered !== undefined) return { kind: 'found', record: remembered.record, source: 'memory' };
  // KV said nothing (or failed) and the authority could not be asked: a 404 might be a lie.
  return { kind: 'unavailable' };
}
