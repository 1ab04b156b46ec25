/**
 * Bytes of stored variants kept in the isolate, keyed by their strong ETag: a tag names one exact
 * byte string, so an entry can never be stale, only evicted. Hot files (the SPA shell and its
 * bundles) are then served without a subrequest to the ASSETS binding. Least recently used entries
 * leave first once the byte budget is spent; files above `maxEntryBytes` are streamed, never kept.
 */
export class BytesCache {
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
  ) {}

  get size(): number {
    return this.#bytes;
  }

  get(etag: string): Uint8Array | undefined {
    const bytes = this.#entries.get(etag);
    if (bytes) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.#entries.delete(etag);
      this.#entries.set(etag, bytes);
    }
    return bytes;
  }

  /** True when `length` bytes would be kept (so reading them whole is worth it). */
  accepts(length: number): boolean {
    return length <= this.maxEntryBytes && length <= this.maxBytes;
  }

  set(etag: string, bytes: Uint8Array): void {
    if (!this.accepts(bytes.byteLength) || this.#entries.has(etag)) return;
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes + bytes.byteLength <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.byteLength;
    }
    this.#entries.set(etag, bytes);
    this.#bytes += bytes.byteLength;
  }
}
