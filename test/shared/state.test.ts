import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../shared/bounded-map.ts';
import { ConfigError, configLoader, listVar } from '../../shared/config.ts';
import { errorToResponse } from '../../shared/http/errors.ts';
import { perIsolate } from '../../shared/isolate.ts';

describe('BoundedMap', () => {
  it('drops the least recently used entry past maxEntries', () => {
    const map = new BoundedMap<number>({ maxEntries: 2 });
    map.set('a', 1, undefined, 0).set('b', 2, undefined, 0);
    expect(map.get('a', 1)).toBe(1); // a is now the most recent
    map.set('c', 3, undefined, 2);
    expect([...map.keys(3)]).toEqual(['a', 'c']);
    expect(map.get('b', 3)).toBeUndefined();
  });

  it('never returns an entry past its lifetime, and forgets it', () => {
    const map = new BoundedMap<string>({ maxEntries: 10, ttlMs: 1000 });
    map.set('k', 'v', undefined, 0);
    expect(map.get('k', 999)).toBe('v');
    expect(map.get('k', 1000)).toBeUndefined();
    expect(map.size).toBe(0);
    map.set('short', 'v', 10, 0);
    expect(map.peek('short', 9)).toBe('v');
    expect(map.has('short', 10)).toBe(false);
  });

  it('bounds bytes, and refuses one value over a quarter of the budget', () => {
    const map = new BoundedMap<string>({ maxEntries: 100, maxBytes: 100, sizeOf: (v) => v.length });
    map.set('a', 'x'.repeat(20), undefined, 0).set('b', 'x'.repeat(20), undefined, 0);
    expect(map.bytes).toBe(40);
    map.set('huge', 'x'.repeat(26), undefined, 0);
    expect(map.has('huge', 0)).toBe(false);
    for (const key of ['c', 'd', 'e']) map.set(key, 'x'.repeat(25), undefined, 0);
    expect(map.bytes).toBeLessThanOrEqual(100);
    expect(map.has('a', 0)).toBe(false);
    expect(map.has('e', 0)).toBe(true);
  });

  it('a maxValueBytes bound replaces the quarter rule, and fits() says what would be kept', () => {
    const map = new BoundedMap<string>({ maxEntries: 10, maxBytes: 24, maxValueBytes: 4, sizeOf: (v) => v.length });
    expect([map.fits(4), map.fits(5)]).toEqual([true, false]);
    map.set('big', 'xxxxx', undefined, 0).set('ok', 'xxxx', undefined, 0);
    expect([...map.keys(0)]).toEqual(['ok']);
  });

  it('a zero lifetime or a delete removes the key and its bytes', () => {
    const map = new BoundedMap<string>({ maxEntries: 10, maxBytes: 1000, sizeOf: (v) => v.length });
    map.set('k', 'abc', undefined, 0);
    map.set('k', 'abcd', 0, 0);
    expect(map.size).toBe(0);
    expect(map.bytes).toBe(0);
    map.set('k', 'abc', undefined, 0);
    expect(map.delete('k')).toBe(true);
    expect(map.delete('k')).toBe(false);
    expect(map.bytes).toBe(0);
  });
});

describe('perIsolate and configLoader', () => {
  it('builds one state per env object and a new one for another env', () => {
    let builds = 0;
    const stateOf = perIsolate((env: { A: string }) => ({ a: env.A, n: ++builds }));
    const env = { A: 'x' };
    expect(stateOf(env)).toBe(stateOf(env));
    expect(stateOf({ ...env })).not.toBe(stateOf(env));
    expect(builds).toBe(2);
  });

  it('a bad var fails loudly: a 500 naming the var, not a client error', async () => {
    const configOf = configLoader((env: { LIMIT?: string }) => {
      const limit = Number(env.LIMIT);
      if (!Number.isInteger(limit)) throw new ConfigError('LIMIT', `"${env.LIMIT}" is not an integer`);
      return { limit };
    });
    expect(configOf({ LIMIT: '3' })).toEqual({ limit: 3 });
    const error = (() => {
      try {
        configOf({ LIMIT: 'three' });
      } catch (e) {
        return e;
      }
    })();
    const response = errorToResponse(error);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'config_invalid', message: 'LIMIT: "three" is not an integer', field: 'LIMIT' },
    });
  });

  it('lists are trimmed and skip empty items', () => {
    expect(listVar(' a, ,b ,')).toEqual(['a', 'b']);
    expect(listVar(undefined)).toEqual([]);
  });
});
