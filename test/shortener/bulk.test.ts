// Bulk outcomes per item (workers/shortener/src/bulk.ts): no failure sinks the call or hides a link.
import { describe, expect, it } from 'vitest';
import { HttpError, badRequest, serviceUnavailable } from '../../shared/http/errors.ts';
import { createAll, failedItem } from '../../workers/shortener/src/bulk.ts';
import type { LinkView } from '../../workers/shortener/src/view.ts';

describe('failedItem', () => {
  it.each([
    [
      'a 4xx with its field',
      badRequest('invalid', 'bad url', { field: 'links.3.url' }),
      { index: 3, status: 400, error: { code: 'invalid', message: 'bad url', field: 'links.3.url' } },
    ],
    [
      'a 409',
      new HttpError(409, 'slug_taken', 'taken', { field: 'slug' }),
      { index: 3, status: 409, error: { code: 'slug_taken', message: 'taken', field: 'slug' } },
    ],
    [
      'an outage with Retry-After',
      serviceUnavailable(5, 'down'),
      { index: 3, status: 503, error: { code: 'unavailable', message: 'down' }, retryAfter: 5 },
    ],
    [
      'a bug, without leaking it',
      new TypeError('secret detail'),
      { index: 3, status: 500, error: { code: 'internal', message: 'internal error' } },
    ],
    ['a thrown string', 'oops', { index: 3, status: 500, error: { code: 'internal', message: 'internal error' } }],
  ])('%s', (_name, error, expected) => {
    expect(failedItem(3, error)).toEqual(expected);
  });
});

describe('createAll', () => {
  it('keeps going past 4xx, 5xx and bugs and reports every item in order', async () => {
    const created: number[] = [];
    const results = await createAll(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (item, index) => {
        // Items finish out of order: each yields a different number of turns before it settles.
        for (let turn = 0; turn < (index * 7) % 5; turn++) await Promise.resolve();
        if (index === 2) throw serviceUnavailable(5);
        if (index === 5) throw new Error('bug');
        if (index === 9) throw badRequest('invalid', 'no');
        created.push(index);
        return { code: `c${String(item)}` } as LinkView;
      },
    );
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, (_, i) => ({ 2: 503, 5: 500, 9: 400 })[i] ?? 201));
    const reported = results.flatMap((r) => ('link' in r ? [Number(r.link.code.slice(1))] : []));
    expect(reported.sort((a, b) => a - b)).toEqual(created.sort((a, b) => a - b));
  });
});
