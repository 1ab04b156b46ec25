/**
 * Snapshot storage: a small JSON index entry per cache key in KV (read on every bot request, cached
 * at the edge location), the HTML body and the page's Markdown in R2 (read only when the index says
 * there is one to serve), and the hottest of them in isolate memory. Bindings and the memory map
 * come in through the constructor.
 */
import type { BoundedMap } from '../../../shared/bounded-map.ts';
import { tokenEstimate } from './markdown.ts';
import { INDEX_PREFIX, sha256Hex, type CacheKey } from './cache-key.ts';
import type { Dependency } from '../../../shared/render/protocol.ts';
import { stampSnapshot, type MarkdownRef, type SnapshotEntry } from './snapshot.ts';

/** KV's minimum `cacheTtl`. */
const INDEX_CACHE_TTL = 60;

/**
 * A snapshot held in isolate memory: the index entry, its HTML body (null for redirects) and its
 * Markdown once read (undefined: not read yet; null: none).
 */
export interface HotSnapshot {
  entry: SnapshotEntry;
  body: string | null;
  markdown?: string | null;
}

/** What one hot snapshot costs in memory, roughly: the bodies as UTF-16 plus the entry. */
export function hotSnapshotBytes(hot: HotSnapshot): number {
  return ((hot.body?.length ?? 0) + (hot.markdown?.length ?? 0)) * 2 + 512;
}

/**
 * The summary kept as each index key's KV metadata (at most 1,024 bytes), so the inventory lists
 * status, age and size without reading every entry.
 */
export interface IndexMetadata {
  status: number;
  renderedAt: string;
  freshUntil: number;
  staleUntil: number;
  /** Bytes of the HTML body (null for redirects). */
  bytes: number | null;
  markdownBytes: number | null;
  /** How many data requests the entry records (0: none, or an incomplete list: refreshed by age). */
  deps?: number;
  /** The SPA build the snapshot is current for. */
  build?: string | null;
  /**
   * The recorded data dependencies themselves, when the list is complete and short enough
   * (`LISTED_DEPENDENCY_BYTES`): the refresh pass checks them from the listing, without a read.
   */
  d?: Dependency[];
}

/** JSON bytes of a dependency list kept in the metadata: with the rest, well under KV's 1,024. */
export const LISTED_DEPENDENCY_BYTES = 640;

export interface ListedSnapshot {
  name: string;
  /** Null for entries written before metadata was kept (their summary needs a read). */
  metadata: IndexMetadata | null;
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
    const body = await this.readBody(entry.r2Key, entry.hash);
    if (body !== null) this.remember(key, entry, body, hot?.entry.hash === entry.hash ? hot.markdown : undefined);
    return body;
  }

  /** The Markdown of an entry: from memory when hot, else from R2 (then kept hot); null when it has none. */
  async markdown(key: CacheKey, entry: SnapshotEntry): Promise<string | null> {
    if (!entry.markdown) return null;
    const hot = this.hot?.peek(key.index);
    if (hot && hot.entry.hash === entry.hash && typeof hot.markdown === 'string') return hot.markdown;
    const markdown = await this.readBody(entry.markdown.r2Key, entry.hash);
    if (markdown !== null) this.remember(key, entry, hot?.entry.hash === entry.hash ? hot.body : null, markdown);
    return markdown;
  }

  /**
   * An R2 object's text, only when it is the content the entry names: another hash is a render
   * whose index write did not happen (or a newer one under way), so it is a miss, and the next
   * render writes both again.
   */
  private async readBody(r2Key: string, hash: string | null): Promise<string | null> {
    this.stats.r2Reads++;
    const object = await this.bodies.get(r2Key);
    if (!object) return null;
    const storedHash = object.customMetadata?.hash;
    if (storedHash && storedHash !== hash) {
      await object.body.cancel();
      return null;
    }
    return object.text();
  }

  private remember(key: CacheKey, entry: SnapshotEntry, body: string | null, markdown?: string | null): void {
    this.hot?.set(key.index, { entry, body, markdown });
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
   * The page's Markdown (from the same render) goes to R2 beside the HTML, under the same content
   * hash, whenever the HTML is written, and also when the previous entry had none.
   * Returns the body as stored, or null when there is none (redirects).
   */
  async save(
    key: CacheKey,
    previous: SnapshotEntry | null,
    render: Omit<SnapshotEntry, 'v' | 'url' | 'device' | 'hash' | 'r2Key' | 'markdown'>,
    content: string | null,
    markdown: string | null = null,
  ): Promise<{ entry: SnapshotEntry; body: string | null; bodyWritten: boolean }> {
    const hash = content === null ? null : await sha256Hex(content);
    const base = content === null ? null : `snapshots/${await sha256Hex(key.index)}`;
    const r2Key = base && `${base}.html`;
    const sameContent = hash !== null && previous?.hash === hash && previous.r2Key === r2Key;
    const body = content === null ? null : stampSnapshot(content, sameContent ? previous.renderedAt : render.renderedAt);
    const md: MarkdownRef | null =
      base !== null && markdown !== null ? { r2Key: `${base}.md`, bytes: utf8Bytes(markdown), tokens: tokenEstimate(markdown) } : null;
    const entry: SnapshotEntry = { v: 1, url: key.url, device: key.device, hash, r2Key, ...render, markdown: md };

    this.stats.kvWrites++;
    // The index outlives the stale window by a day so an expired entry still offers a last snapshot
    // to fall back on; KV drops it after that on its own.
    const ttl = Math.max(60, Math.ceil((entry.staleUntil - Date.now()) / 1000) + 86_400);
    await this.index.put(key.index, JSON.stringify(entry), { expirationTtl: ttl, metadata: metadataOf(entry, body) });

    let bodyWritten = false;
    if (body !== null && r2Key !== null && hash !== null && !(sameContent && (await this.holdsBody(r2Key, hash)))) {
      this.stats.r2Writes++;
      await this.bodies.put(r2Key, body, {
        httpMetadata: { contentType: 'text/html; charset=utf-8' },
        customMetadata: { url: key.url, device: key.device, hash },
      });
      bodyWritten = true;
    }
    if (md !== null && hash !== null && (bodyWritten || !previous?.markdown)) {
      this.stats.r2Writes++;
      await this.bodies.put(md.r2Key, markdown!, {
        httpMetadata: { contentType: 'text/markdown; charset=utf-8' },
        customMetadata: { url: key.url, device: key.device, hash },
      });
    }
    if (body === null && previous?.r2Key) await this.deleteBody(previous.r2Key);
    if (md === null && previous?.markdown) await this.deleteBody(previous.markdown.r2Key);
    this.remember(key, entry, body, md === null ? null : markdown);
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
    if (entry.markdown) await this.deleteBody(entry.markdown.r2Key);
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

  /**
   * One page of index keys under a URL prefix for one device, with their summaries (the inventory).
   * `cursor` is KV's.
   */
  async listPage(urlPrefix: string, device: string, cursor: string | undefined, limit: number) {
    this.stats.kvLists++;
    const page = await this.index.list<IndexMetadata>({ prefix: `${INDEX_PREFIX}${device}:${urlPrefix}`, cursor, limit });
    const items: ListedSnapshot[] = page.keys.map((key) => ({ name: key.name, metadata: key.metadata ?? null }));
    return { items, cursor: page.list_complete ? null : page.cursor };
  }

  /** One page of every index key (both devices) with their summaries, from KV's `cursor` (the refresh pass). */
  async listAll(cursor: string | undefined, limit: number) {
    this.stats.kvLists++;
    const page = await this.index.list<IndexMetadata>({ prefix: INDEX_PREFIX, cursor, limit });
    const items: ListedSnapshot[] = page.keys.map((key) => ({ name: key.name, metadata: key.metadata ?? null }));
    return { items, cursor: page.list_complete ? null : page.cursor };
  }

  /**
   * Marks an entry current without rendering (its data dependencies did not change): the same
   * snapshot, fresh again from now. One KV write; the bodies are untouched.
   */
  async markCurrent(key: CacheKey, entry: SnapshotEntry, fresh: Pick<SnapshotEntry, 'freshUntil' | 'staleUntil'>, bytes: number | null) {
    const current: SnapshotEntry = { ...entry, ...fresh };
    this.stats.kvWrites++;
    const ttl = Math.max(60, Math.ceil((current.staleUntil - Date.now()) / 1000) + 86_400);
    await this.index.put(key.index, JSON.stringify(current), { expirationTtl: ttl, metadata: { ...metadataOf(current, null), bytes } });
    const hot = this.hot?.peek(key.index);
    if (hot && hot.entry.hash === entry.hash) this.remember(key, current, hot.body, hot.markdown);
    return current;
  }

  /** An index entry read by its KV key (the inventory, for keys listed without metadata). */
  async entryByName(name: string): Promise<SnapshotEntry | null> {
    this.stats.kvReads++;
    const entry = await this.index.get<SnapshotEntry>(name, 'json');
    return entry?.v === 1 ? entry : null;
  }

  private async deleteBody(r2Key: string): Promise<void> {
    this.stats.r2Deletes++;
    await this.bodies.delete(r2Key);
  }
}

export function metadataOf(entry: SnapshotEntry, body: string | null): IndexMetadata {
  return {
    status: entry.status,
    renderedAt: entry.renderedAt,
    freshUntil: entry.freshUntil,
    staleUntil: entry.staleUntil,
    bytes: body === null ? null : utf8Bytes(body),
    markdownBytes: entry.markdown?.bytes ?? null,
    deps: entry.dependencies?.complete ? entry.dependencies.requests.length : 0,
    build: entry.build ?? null,
    ...listedDependencies(entry),
  };
}

function listedDependencies(entry: SnapshotEntry): Pick<IndexMetadata, 'd'> {
  const requests = entry.dependencies?.complete ? entry.dependencies.requests : null;
  if (!requests?.length || utf8Bytes(JSON.stringify(requests)) > LISTED_DEPENDENCY_BYTES) return {};
  return { d: requests };
}

const encoder = new TextEncoder();
function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}
