/**
 * The refresh pass's decisions, pure (no bindings): what a listed index entry needs, and when an
 * unchanged page is marked current again. The pass (refresh-pass.ts) and the refresh simulation of
 * the bench both run these (so this file imports nothing that needs the Workers runtime).
 */
import { ageOf } from './age.ts';

/** The part of an index entry's listed summary (store.ts `IndexMetadata`) the plan reads. */
export interface PlanInput {
  freshUntil: number;
  staleUntil: number;
  renderedAt: string;
  /** Recorded data dependencies (0 or absent: none, or an incomplete list). */
  deps?: number;
}

/**
 * A page whose data never changes is still rendered once its render is this old: what its data
 * cannot show (a new build of the SPA changing its HTML) shows within that.
 */
export const MAX_RENDER_AGE_MS = 60 * 86_400_000;

export type Plan = 'revalidate' | 'render' | 'current';

/** What an index entry needs, from its listed summary: no read for a page that needs nothing. */
export function planEntry(metadata: PlanInput, now: number): Plan {
  if ((metadata.deps ?? 0) > 0) return now - Date.parse(metadata.renderedAt) >= MAX_RENDER_AGE_MS ? 'render' : 'revalidate';
  return ageOf(metadata, now) === 'fresh' ? 'current' : 'render';
}

/**
 * A page found unchanged is marked fresh again only when less than half its freshness is left: an
 * unchanged page costs a KV write at most every FRESH_SECONDS / 2, not on every check.
 */
export function needsMarking(entry: { freshUntil: number }, now: number, freshSeconds: number): boolean {
  return entry.freshUntil - now < (freshSeconds * 1000) / 2;
}
