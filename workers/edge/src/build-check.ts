/**
 * Template changes after a build. A new build of the SPA can change every page's HTML or none of its
 * content, so after one the refresh pass renders a small sample of each route template's pages and
 * compares their content hash (the page's Markdown: its text, not its script URLs) with the
 * snapshot's: unchanged, the template's other snapshots are marked current for the new build
 * without a render; changed, they are re-rendered progressively within the render budget.
 *
 * Pure functions; the pass (refresh-pass.ts) keeps the per-build verdicts in KV.
 */

/** Pages rendered per template before its verdict. */
export const BUILD_SAMPLE = 2;

/** A template's sampling for one build. */
export interface TemplateVerdict {
  sampled: number;
  changed: boolean;
}

/**
 * The build a page was made with: its module scripts' URLs (content-hashed file names), sorted.
 * Null when the page loads none (then builds cannot be told apart).
 */
export function buildOf(html: string): string | null {
  const sources = [...html.matchAll(/<script\b[^>]*\btype=["']?module["']?[^>]*>/gi)]
    .map((tag) => /\bsrc=["']?([^"'\s>]+)/i.exec(tag[0])?.[1])
    .filter((src): src is string => src !== undefined)
    .sort();
  return sources.length === 0 ? null : sources.join(' ');
}

/** A short id of `buildOf(html)` (16 hex digits of its SHA-256), kept in the index metadata; null without one. */
export async function buildIdOf(html: string): Promise<string | null> {
  const build = buildOf(html);
  if (build === null) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(build)));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The route template of a page URL: its first path segment (`/article/12` -> `article`; `/` -> `/`). */
export function templateOf(pageUrl: string): string {
  const path = URL.parse(pageUrl)?.pathname ?? '/';
  return path.split('/')[1] || '/';
}

/**
 * What one sample speaks for: the pages of a route template rendered with one earlier build. Pages
 * of one template can hold snapshots of different builds (a build that came while the last one's
 * changed template was still being re-rendered), and a sample rendered with one tells nothing of
 * the others: keyed by template alone, a sample of pages already re-rendered would mark those still
 * waiting current, and a sample of pages still waiting would re-render those already done.
 */
export function sampleGroup(template: string, renderedWith: string | null | undefined): string {
  return `${template} ${renderedWith ?? ''}`;
}

export type BuildStep = 'sample' | 'mark-current' | 'render';

/** What an entry rendered with another build needs, from its template's verdict so far. */
export function buildStep(verdict: TemplateVerdict | undefined): BuildStep {
  if (!verdict || verdict.sampled < BUILD_SAMPLE) return 'sample';
  return verdict.changed ? 'render' : 'mark-current';
}

/** The verdict after one more sample: changed when any sample's content hash differs. */
export function afterSample(verdict: TemplateVerdict | undefined, before: string | null, after: string | null): TemplateVerdict {
  const changed = before === null || after === null || before !== after;
  return { sampled: (verdict?.sampled ?? 0) + 1, changed: (verdict?.changed ?? false) || changed };
}
