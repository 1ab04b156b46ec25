/**
 * Snapshot storage: a small JSON index entry per cache key in KV (read on every bot request, cached
 * at the edge location), the HTML body in R2 (read only when the index says there is one to serve),
 * and the hottest of both in isolate memory. Bindings and the memory map come in through the
 * constructor.
 */
import type { BoundedMap } from '../../../shared/bounded-map.ts';
import { INDEX_PREFIX, sha256Hex, type CacheKey } from './cache-key.ts';
import { stampSnapshot, type SnapshotEntry } from './snapshot.ts';

/** KV's minimum `cacheTtl` (https://developers.cloudflare.com/kv/api/read-key-value-pairs/#cachettl-parameter). */
const INDEX_CACHE_TTL = 60;

/** A snapshot held in isolate memory: the index entry and its body (null for redirects). */
export interface HotSnapshot {
  entry: SnapshotEntry;
  body: string | null;
}

/** What one hot snapshot costs in memory, roughly: the body as UTF-16 plus the entry. */
export function hotSnapshotBytes(hot: HotSnapshot): number {
  return (hot.body?.length ?? 0) * 2 + 512;
}

export interface StoreStats {
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  kvLists: number;
  /** R2 class-B operations: body reads and existence checks. */
  r2Reads: number;
  r2Writes: number;
  r2Deletes: number;
}

export function emptyStats(): StoreStats {
  return { kvReads: 0, kvWrites: 0, kvDeletes: 0, kvLists: 0, r2Reads: 0, r2Writes: 0, r2Deletes: 0 };
}

export class SnapshotStore {
  /** Operation counters of this store object (reported by the admin API; the cost note is built on them). */
  readonly stats: StoreStats = emptyStats();

  /** `hot`: the isolate's hot snapshots, whose lifetime is `HOT_CACHE_SECONDS` (0 keeps nothing). */
  constructor(
    private readonly index: KVNamespace,
    private readonly bodies: R2Bucket,
    private readonly hot: BoundedMap<HotSnapshot> | null = null,
  ) {}

  /** A key's entry and body from isolate memory, without a promise; null when it is not hot. */
  fromMemory(key: CacheKey): HotSnapshot | null {
    return this.hot?.get(key.index) ?? null;
  }

  async lookup(key: CacheKey): Promise<SnapshotEntry | null> {
    const hot = this.fromMemory(key);
    if (hot) return hot.entry;
    this.stats.kvReads++;
    const entry = await this.index.get<SnapshotEntry>(key.index, { type: 'json', cacheTtl: INDEX_CACHE_TTL });
    return entry?.v === 1 ? entry : null;
  }

  /** The body of an entry: from memory when hot, else from R2 (then kept hot). */
  async body(key: CacheKey, entry: SnapshotEntry): Promise<string | null> {
    if (!entry.r2Key) return null;
    // `lookup` has just made this key the most recently used; no need to move it again.
    const hot = this.hot?.peek(key.index);
    if (hot && hot.entry.hash === entry.hash && hot.body !== null) return hot.body;
    this.stats.r2Reads++;
    const object = await this.bodies.get(entry.r2Key);
    if (!object) return null;
    // Serve only the body the entry names: another hash is a render whose index write did not
    // happen (or a newer one under way), so it is a miss, and the next render writes both again.
    const storedHash = object.customMetadata?.hash;
    if (storedHash && storedHash !== entry.hash) {
      await object.body.cancel();
      return null;
    }
    const body = await object.text();
    this.remember(key, entry, body);
    return body;
  }

  private remember(key: CacheKey, entry: SnapshotEntry, body: string | null): void {
    this.hot?.set(key.index, { entry, body });
  }

  /**
   * Saves a render: the index entry first, then the body it names. The body goes to R2 when the
   * content changed, and also when it did not but R2 lacks it or holds another hash (lost, or
   * deleted by a purge that ran while this render was under way): an unchanged re-render of a page
   * whose body is intact costs one KV write and one R2 existence check, and a missing body is
   * always written back, never trusted to the index. Because purge deletes the body before the
   * index, this order never leaves an index entry naming a deleted body.
   * The body's comment keeps the time its content was first rendered; `X-Prerender-Rendered-At`
   * (from the index) says when the page was last rendered.
   * Returns the body as stored, or null when there is none (redirects).
   */
  async save(
    key: CacheKey,
    previous: SnapshotEntry | null,
    render: Omit<SnapshotEntry, 'v' | 'url' | 'device' | 'hash' | 'r2Key'>,
    content: string | null,
  ): Promise<{ entry: SnapshotEntry; body: string | null; bodyWritten: boolean }> {
    const hash = content === null ? null : await sha256Hex(content);
    const r2Key = content === null ? null : `snapshots/${await sha256Hex(key.index)}.html`;
    const sameContent = hash !== null && previous?.hash === hash && previous.r2Key === r2Key;
    const body = content === null ? null : stampSnapshot(content, sameContent ? previous.renderedAt : render.renderedAt);
    const entry: SnapshotEntry = { v: 1, url: key.url, device: key.device, hash, r2Key, ...render };

    this.stats.kvWrites++;
    // The index outlives the stale window by a day so an expired entry still offers a last snapshot
    // to fall back on; KV drops it after that on its own.
    const ttl = Math.max(60, Math.ceil((entry.staleUntil - Date.now()) / 1000) + 86_400);
    await this.index.put(key.index, JSON.stringify(entry), { expirationTtl: ttl });

    let bodyWritten = false;
    if (body !== null && r2Key !== null && hash !== null && !(sameContent && (await this.holdsBody(r2Key, hash)))) {
      this.stats.r2Writes++;
      await this.bodies.put(r2Key, body, {
        httpMetadata: { contentType: 'text/html; charset=utf-8' },
        customMetadata: { url: key.url, device: key.device, hash },
      });
      bodyWritten = true;
    }
    if (body === null && previous?.r2Key) await this.deleteBody(previous.r2Key);
    this.remember(key, entry, body);
    return { entry, body, bodyWritten };
  }

  /** Whether R2 holds the body with this content hash. */
  private async holdsBody(r2Key: string, hash: string): Promise<boolean> {
    this.stats.r2Reads++;
    const head = await this.bodies.head(r2Key);
    return head?.customMetadata?.hash === hash;
  }

  /**
   * Forgets a key: the body first, then the index. A render that finishes meanwhile writes its
   * index entry and then finds the body gone and writes it again (see `save`), so the key ends
   * either forgotten or holding a whole snapshot, never an index entry naming a deleted body.
   */
  async purge(indexKey: string): Promise<boolean> {
    this.hot?.delete(indexKey);
    this.stats.kvReads++;
    const entry = await this.index.get<SnapshotEntry>(indexKey, 'json');
    if (!entry) return false;
    if (entry.r2Key) await this.deleteBody(entry.r2Key);
    this.stats.kvDeletes++;
    await this.index.delete(indexKey);
    return true;
  }

  /** Index keys under a URL prefix, for both devices, page by page. */
  async *keysWithPrefix(urlPrefix: string, devices: readonly string[] = ['mobile', 'desktop']): AsyncGenerator<string> {
    for (const device of devices) {
      let cursor: string | undefined;
      do {
        this.stats.kvLists++;
        const page = await this.index.list({ prefix: `${INDEX_PREFIX}${device}:${urlPrefix}`, cursor });
        for (const key of page.keys) yield key.name;
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
    }
  }

  private async deleteBody(r2Key: string): Promise<void> {
    this.stats.r2Deletes++;
    await this.bodies.delete(r2Key);
  }
}
