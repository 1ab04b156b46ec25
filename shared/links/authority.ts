/**
 * What the redirector may ask of the shortener's `LinkAuthority` Durable Object (one object per
 * code, addressed with `idFromName(code)`) over the cross-script binding `LINK_AUTHORITY`.
 */
import type { ClickCounts, LinkRecord } from './record.ts';

export interface LinkAuthorityReader {
  /** The authoritative record, or null when nobody owns the code. Never writes. */
  lookup(): LinkRecord | null;
  /** Adds a batch of clicks to the link's counters (ignored for codes nobody owns). */
  recordClicks(counts: Partial<ClickCounts>): void;
}

/** The RPC view of a stub: every method answers a promise. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };
