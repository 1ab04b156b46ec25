/**
 * A small per-isolate memory with a time limit and a size bound (oldest entry dropped first; a Map
 * iterates in insertion order). It holds brief negative answers, so scanners of random codes do not
 * reach the authority on every guess, and last-known records, so a KV outage does not become a 503
 * for links this isolate has just served.
 */
export class Memory<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { value, until: now + ttlMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
