/**
 * The hottest snapshots kept in the isolate's memory for a few seconds, in front of KV and R2. An
 * isolate serves many requests, so a crawler surge on a few pages is answered without any storage
 * read. Bounded in bytes (least recently used out first) and in time: an entry lives at most
 * `HOT_CACHE_SECONDS`, the same order as KV's own edge cache (`cacheTtl` 60 s), so a purge or
 * recache done in another isolate shows within that time. `HOT_CACHE_SECONDS = "0"` turns it off.
 */
import type { SnapshotEntry } from './snapshot.ts';

interface Hot {
  entry: SnapshotEntry;
  body: string | null;
  bytes: number;
  until: number;
}

export class HotCache {
  private readonly items = new Map<string, Hot>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, now: number): Hot | null {
    const hot = this.items.get(key);
    if (!hot) return null;
    this.items.delete(key);
    if (hot.until <= now) {
      this.bytes -= hot.bytes;
      return null;
    }
    this.items.set(key, hot); // most recently used last
    return hot;
  }

  /** `get` without moving the entry to most recently used (for a second read in one request). */
  peek(key: string, now: number): Hot | null {
    const hot = this.items.get(key);
    return hot && hot.until > now ? hot : null;
  }

  set(key: string, entry: SnapshotEntry, body: string | null, ttlMs: number, now: number): void {
    this.delete(key);
    if (ttlMs <= 0) return;
    const bytes = (body?.length ?? 0) * 2 + 512;
    if (bytes > this.maxBytes / 4) return; // one huge page must not flush the rest
    this.items.set(key, { entry, body, bytes, until: now + ttlMs });
    this.bytes += bytes;
    for (const [oldest, hot] of this.items) {
      if (this.bytes <= this.maxBytes) break;
      this.items.delete(oldest);
      this.bytes -= hot.bytes;
    }
  }

  delete(key: string): void {
    const hot = this.items.get(key);
    if (!hot) return;
    this.items.delete(key);
    this.bytes -= hot.bytes;
  }
}

/** One per isolate: 16 MB of the 128 MB an isolate may use. */
export const hotCache = new HotCache(16 * 1024 * 1024);
