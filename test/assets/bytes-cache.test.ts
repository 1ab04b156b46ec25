import { describe, expect, it } from 'vitest';
import { BytesCache } from '../../workers/assets/src/bytes-cache.ts';

const bytes = (n: number) => new Uint8Array(n);

describe('BytesCache', () => {
  it('keeps entries within the byte budget, evicting the least recently used first', () => {
    const cache = new BytesCache(10, 6);
    cache.set('"a"', bytes(4));
    cache.set('"b"', bytes(4));
    expect(cache.get('"a"')?.byteLength).toBe(4); // a is now the most recently used
    cache.set('"c"', bytes(4)); // 12 > 10: b goes
    expect(cache.get('"b"')).toBeUndefined();
    expect(cache.get('"a"')).toBeDefined();
    expect(cache.get('"c"')).toBeDefined();
    expect(cache.size).toBe(8);
  });

  it('never keeps an entry over the per-entry limit', () => {
    const cache = new BytesCache(100, 6);
    expect(cache.accepts(7)).toBe(false);
    cache.set('"big"', bytes(7));
    expect(cache.get('"big"')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
