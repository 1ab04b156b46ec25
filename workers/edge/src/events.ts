/**
 * What the edge counts, into its own queue (`EVENTS`) and from there its own D1 (`EVENTS_DB`,
 * shared/events): stream `prerender`, key = the crawler category (`person` for people asking for
 * Markdown; `warmup` / `recache` for renders the cron and operators start), dims:
 *
 *   hit, miss, stale, fallback, bypass   answers, by `X-Prerender` state
 *   refused                              403 answers of a refused category (also counted `bypass`)
 *   markdown                             answers given as Markdown
 *   render, browser_ms                   renders, and the browser time they took
 *   evidence:<signature|cloudflare|ip|user-agent>   what each answer's identity rested on
 *   signature:<reason>                   signatures that did not verify, by reason
 *
 * Counting is a map update; the buffer sends in the background (`waitUntil`), and a send that fails
 * loses counts (counted as stream `events`, dim `lost`), never a request.
 */
import { EventBuffer, type EventQueue } from '../../../shared/events/buffer.ts';
import type { Identity } from './identity/identify.ts';
import type { PrerenderState } from './snapshot.ts';

export const STREAM = 'prerender';
export const PERSON_KEY = 'person';

const STATE_DIMS: Readonly<Record<PrerenderState, string>> = {
  HIT: 'hit',
  MISS: 'miss',
  STALE: 'stale',
  FALLBACK: 'fallback',
  BYPASS: 'bypass',
};

export type WaitUntil = (promise: Promise<unknown>) => void;

export class EdgeEvents {
  readonly buffer: EventBuffer;

  /** `flushMs`: how long the first count of a quiet spell waits for others before a send (`EVENT_FLUSH_MS`). */
  constructor(
    private readonly queue: EventQueue | undefined,
    flushMs: number,
  ) {
    this.buffer = new EventBuffer({ producer: 'edge', flushMs });
  }

  count(key: string, dim: string, n: number, waitUntil: WaitUntil): void {
    const flush = this.buffer.count(this.queue, STREAM, key, dim, n);
    if (flush) waitUntil(flush);
  }

  /** One answer to a crawler, an agent, or a person asking for Markdown. */
  countAnswer(identity: Identity, state: PrerenderState, markdown: boolean, waitUntil: WaitUntil): void {
    const key = identity.category ?? PERSON_KEY;
    this.count(key, STATE_DIMS[state], 1, waitUntil);
    if (identity.evidence) this.count(key, `evidence:${identity.evidence}`, 1, waitUntil);
    if (markdown) this.count(key, 'markdown', 1, waitUntil);
  }

  /** A render that came back from the renderer, for a category (or `warmup`, `recache`). */
  countRender(key: string, browserMs: number | null, waitUntil?: WaitUntil): void {
    const ms = Math.max(0, Math.round(browserMs ?? 0));
    this.count(key, 'render', 1, waitUntil ?? noWait);
    if (ms > 0) this.count(key, 'browser_ms', ms, waitUntil ?? noWait);
  }
}

/**
 * Counts made where no request context is at hand (a render finishing in the background) start no
 * flush of their own: the flush already under way, or the next request's, sends them.
 */
function noWait(promise: Promise<unknown>): void {
  void promise;
}
