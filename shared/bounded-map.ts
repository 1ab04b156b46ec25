/**
 * The one bounded in-memory map of the project: a per-isolate cache bounded in entries, in bytes
 * and in time. Least recently used entries leave first (a `Map` iterates in insertion order, and a
 * read re-inserts); an entry past its deadline is never returned. Written by hand rather than taken
 * from `lru-cache` because it sits on the redirector's and the edge's hot paths, whose bundles are
 * budgeted in kilobytes (scripts/check.mjs), and needs nothing beyond these three bounds.
 */
export interface BoundedMapOptions<V> {
  /** Most entries kept at once. */
  maxEntries: number;
  /** Most bytes kept at once, as counted by `sizeOf` (default: no byte bound). */
  maxBytes?: number;
  /** Bytes one value costs (default 0). */
  sizeOf?: (value: V, key: string) => number;
  /** Most bytes one value may cost to be kept at all (default a quarter of `maxBytes`). */
  maxValueBytes?: number;
  /** Default lifetime of an entry in ms (default: until evicted). `set` may give its own. */
  ttlMs?: number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  until: number;
}

export class BoundedMap<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (value: V, key: string) => number;
  readonly #ttlMs: number;
  readonly #maxValueBytes: number;
  #bytes = 0;

  constructor(options: BoundedMapOptions<V>) {
    this.#maxEntries = Math.max(0, options.maxEntries);
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#sizeOf = options.sizeOf ?? (() => 0);
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.#maxValueBytes = Math.min(options.maxValueBytes ?? this.#maxBytes / 4, this.#maxBytes);
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Bytes held, as counted by `sizeOf`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The live value of `key`, marked most recently used; `undefined` when absent or expired. */
  get(key: string, now = Date.now()): V | undefined {
    const slot = this.#live(key, now);
    if (!slot) return undefined;
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** Whether a value costing `bytes` would be kept (so reading it whole is worth it). */
  fits(bytes: number): boolean {
    return this.#maxEntries > 0 && bytes <= this.#maxValueBytes;
  }

  /** `get` without touching recency (a second read within one request). */
  peek(key: string, now = Date.now()): V | undefined {
    return this.#live(key, now)?.value;
  }

  has(key: string, now = Date.now()): boolean {
    return this.#live(key, now) !== undefined;
  }

  /** Keeps `value` for `ttlMs` (default: the map's); a zero or negative lifetime only removes `key`. */
  set(key: string, value: V, ttlMs = this.#ttlMs, now = Date.now()): this {
    this.delete(key);
    if (ttlMs <= 0 || this.#maxEntries === 0) return this;
    const bytes = this.#sizeOf(value, key);
    // One huge value must not flush everything else.
    if (bytes > this.#maxValueBytes) return this;
    this.#slots.set(key, { value, bytes, until: now + ttlMs });
    this.#bytes += bytes;
    for (const [oldest, slot] of this.#slots) {
      if (this.#slots.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#slots.delete(oldest);
      this.#bytes -= slot.bytes;
    }
    return this;
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (!slot) return false;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#bytes = 0;
  }

  /** Live keys, least recently used first. */
  *keys(now = Date.now()): IterableIterator<string> {
    for (const [key, slot] of this.#slots) if (slot.until > now) yield key;
  }

  #live(key: string, now: number): Slot<V> | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    if (slot.until <= now) {
      this.delete(key);
      return undefined;
    }
    return slot;
  }
}
