/**
 * The degraded feed, tried tier by tier when the breaker is open or a call fails:
 *   1. `cache`: the last good non-personalised feed of the tab, in KV (`FEED_CACHE`), served while
 *      younger than `CACHE_MAX_AGE_S`: the `stale-if-error` window of RFC 5861 §4;
 *   2. `baked`: the feed built into the deployment (baked-feed.json), so a cold location with an
 *      empty cache still shows something. It has no maximum age: it is the floor.
 * Only feeds the recommender gave for no user are ever stored, so a degraded answer cannot carry
 * anyone's personalised feed.
 */
import * as z from 'zod/mini';
import baked from './baked-feed.json' with { type: 'json' };
import type { FeedItem } from './recommender.ts';
import type { Background } from './shared-breaker.ts';

export type DegradedSource = 'cache' | 'baked';

export interface DegradedFeed {
  source: DegradedSource;
  items: FeedItem[];
  /** Epoch ms when this feed came from the recommender (or was baked). */
  storedAt: number;
}

const stored = z.object({
  items: z.array(z.looseObject({ id: z.union([z.string(), z.number()]), title: z.string() })),
  storedAt: z.number(),
});

/**
 * The KV tier is re-read at most this often per tab per isolate, in the background
 * (stale-while-revalidate, RFC 5861 §3): only an isolate's very first degraded answer per tab
 * waits on KV; the rest are answered from memory.
 */
const MEMORY_TTL_MS = 5_000;

interface Remembered {
  feed: DegradedFeed | null;
  readAt: number;
  /** When a background re-read started (0: none running). */
  refreshingSince: number;
}

const BAKED_AT = Date.parse(baked.generatedAt);
const bakedTabs: Record<string, FeedItem[]> = baked.tabs;

const bakedByTab = new Map<string, DegradedFeed>();

export function bakedFeed(tab: string): DegradedFeed {
  let feed = bakedByTab.get(tab);
  if (!feed) {
    // A tab added to FEED_TABS after this file was baked still gets the home feed rather than nothing.
    feed = { source: 'baked', items: bakedTabs[tab] ?? bakedTabs['home'] ?? [], storedAt: BAKED_AT };
    bakedByTab.set(tab, feed);
  }
  return feed;
}

/**
 * The KV tier of one isolate: reads and writes `FEED_CACHE`, and remembers what it last read per
 * tab (the tabs are the configured few, so the memory is bounded by the config).
 */
export class FeedCache {
  /** The KV tier as this isolate last read it, by tab. */
  readonly #memory = new Map<string, Remembered>();
  /** First reads of the KV tier in flight, by tab. */
  readonly #firstReads = new Map<string, Promise<DegradedFeed | null>>();

  constructor(
    private readonly kv: KVNamespace,
    private readonly maxAgeMs: number,
  ) {}

  static key(tab: string): string {
    return `feed:v1:${tab}`;
  }

  /** The KV tier if present and within its maximum age, else null. */
  async read(tab: string, now: number, background: Background): Promise<DegradedFeed | null> {
    const known = this.remembered(tab, now, background);
    if (known !== undefined) return known;
    // Requests arriving together on a cold isolate share one KV read.
    let reading = this.#firstReads.get(tab);
    if (!reading) {
      reading = this.readKv(tab).then((feed) => {
        this.#firstReads.delete(tab);
        if (!this.#memory.has(tab)) this.#memory.set(tab, { feed, readAt: now, refreshingSince: 0 });
        return feed;
      });
      this.#firstReads.set(tab, reading);
    }
    return this.#servable(await reading, now);
  }

  /**
   * Without waiting: what this isolate holds of the KV tier (null when nothing servable), or
   * undefined when it has never read it (then only `read` can answer). A copy older than
   * MEMORY_TTL_MS is still served and re-read in the background, one re-read at a time.
   */
  remembered(tab: string, now: number, background: Background): DegradedFeed | null | undefined {
    const remembered = this.#memory.get(tab);
    if (!remembered) return undefined;
    if (now - remembered.readAt >= MEMORY_TTL_MS && now - remembered.refreshingSince >= MEMORY_TTL_MS) {
      remembered.refreshingSince = now;
      background.waitUntil(this.#reread(tab));
    }
    return this.#servable(remembered.feed, now);
  }

  async #reread(tab: string): Promise<void> {
    const feed = await this.readKv(tab);
    const current = this.#memory.get(tab);
    // Keep what this isolate holds when KV has nothing (or something older): a failed or empty
    // read must not throw away a servable feed; its maximum age still applies.
    const keep = current?.feed && (!feed || feed.storedAt < current.feed.storedAt) ? current.feed : feed;
    this.#memory.set(tab, { feed: keep, readAt: Date.now(), refreshingSince: 0 });
  }

  #servable(feed: DegradedFeed | null, now: number): DegradedFeed | null {
    return feed && now - feed.storedAt <= this.maxAgeMs ? feed : null;
  }

  /**
   * Stores a non-personalised feed; the caller guarantees it was fetched for no user. `toKv`
   * false: only this isolate's memory (another isolate holds the tab's write lease).
   */
  async write(tab: string, items: FeedItem[], now: number, toKv = true): Promise<void> {
    const feed: DegradedFeed = { source: 'cache', items, storedAt: now };
    this.#memory.set(tab, { feed, readAt: now, refreshingSince: 0 });
    if (!toKv) return;
    await this.kv.put(FeedCache.key(tab), JSON.stringify({ items, storedAt: now }), {
      // KV drops it once no longer servable (KV's minimum TTL is 60 s).
      expirationTtl: Math.max(60, Math.ceil(this.maxAgeMs / 1000)),
    });
  }

  private async readKv(tab: string): Promise<DegradedFeed | null> {
    let raw: unknown;
    try {
      raw = await this.kv.get(FeedCache.key(tab), 'json');
    } catch {
      // Unreadable or not JSON: fall through to the baked tier rather than fail the request.
      return null;
    }
    const parsed = stored.safeParse(raw);
    return parsed.success ? { source: 'cache', items: parsed.data.items, storedAt: parsed.data.storedAt } : null;
  }
}

/** Tier by tier: the first that has something within its maximum age. */
export async function degradedFeed(tab: string, cache: FeedCache, now: number, background: Background): Promise<DegradedFeed> {
  return (await cache.read(tab, now, background)) ?? bakedFeed(tab);
}
