/**
 * The degraded feed, tried tier by tier when the breaker is open or a call fails:
 *   1. `cache`: the last good non-personalised feed of the tab, in KV (`FEED_CACHE`), served while
 *      younger than `CACHE_MAX_AGE_S`: the `stale-if-error` window of RFC 5861 §4;
 *   2. `baked`: the feed built into the deployment (baked-feed.json), so a cold location with an
 *      empty cache still shows something. It has no maximum age: it is the floor.
 * Only feeds the recommender gave for no user are ever stored, so a degraded answer cannot carry
 * anyone's personalised feed.
 */
import * as z from 'zod';
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

/** Per isolate: the KV tier as last read, keyed by upstream and tab. */
const memory = new Map<string, Remembered>();

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

export class FeedCache {
  constructor(
    private readonly kv: KVNamespace,
    private readonly scope: string,
    private readonly maxAgeMs: number,
    private readonly background: Background,
  ) {}

  static key(tab: string): string {
    return `feed:v1:${tab}`;
  }

  /** The KV tier if present and within its maximum age, else null. */
  async read(tab: string, now: number): Promise<DegradedFeed | null> {
    const memoryKey = `${this.scope} ${tab}`;
    let remembered = memory.get(memoryKey);
    if (!remembered) {
      remembered = { feed: await this.readKv(tab), readAt: now, refreshingSince: 0 };
      memory.set(memoryKey, remembered);
    } else if (now - remembered.readAt >= MEMORY_TTL_MS && now - remembered.refreshingSince >= MEMORY_TTL_MS) {
      remembered.refreshingSince = now;
      this.background.waitUntil(
        this.readKv(tab).then((feed) => {
          const current = memory.get(memoryKey);
          // Keep what this isolate holds when KV has nothing (or something older): a failed or
          // empty read must not throw away a servable feed; its maximum age still applies.
          const keep = current?.feed && (!feed || feed.storedAt < current.feed.storedAt) ? current.feed : feed;
          memory.set(memoryKey, { feed: keep, readAt: Date.now(), refreshingSince: 0 });
        }),
      );
    }
    const feed = remembered.feed;
    return feed && now - feed.storedAt <= this.maxAgeMs ? feed : null;
  }

  /** Stores a non-personalised feed; the caller guarantees it was fetched for no user. */
  async write(tab: string, items: FeedItem[], now: number): Promise<void> {
    const feed: DegradedFeed = { source: 'cache', items, storedAt: now };
    memory.set(`${this.scope} ${tab}`, { feed, readAt: now, refreshingSince: 0 });
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
export async function degradedFeed(tab: string, cache: FeedCache, now: number): Promise<DegradedFeed> {
  return (await cache.read(tab, now)) ?? bakedFeed(tab);
}

/** For tests: forget what this isolate remembers of the KV tier. */
export function forgetRememberedFeeds(): void {
  memory.clear();
}
