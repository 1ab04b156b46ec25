import { describe, expect, it } from 'vitest';
import { ifRangeAllows, parseRange } from '../../workers/assets/src/range.ts';

describe('parseRange (RFC 9110 §14.1.2)', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=500-', 1000, { start: 500, end: 999 }],
    ['bytes=-100', 1000, { start: 900, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    ['bytes=900-5000', 1000, { start: 900, end: 999 }],
    ['BYTES = 1-1', 1000, { start: 1, end: 1 }],
    ['bytes=1000-', 1000, 'unsatisfiable'],
    ['bytes=99999999999999999999-', 1000, 'unsatisfiable'],
    ['bytes=-0', 1000, 'unsatisfiable'],
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=5-1', 1000, null], // invalid: ignored
    ['bytes=0-1,5-9', 1000, null], // several ranges: ignored, the whole file is sent
    ['items=0-1', 1000, null],
    ['bytes=-', 1000, null],
    ['bytes=a-b', 1000, null],
  ] as const)('%j of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('ifRangeAllows (RFC 9110 §13.1.5)', () => {
  const etag = '"abc"';
  const lastModified = 'Mon, 23 Nov 2026 12:00:00 GMT';
  it.each([
    [null, true],
    ['"abc"', true],
    ['"old"', false],
    ['W/"abc"', false],
    ['Mon, 23 Nov 2026 12:00:00 GMT', true],
    ['Sun, 22 Nov 2026 12:00:00 GMT', false],
    ['garbage', false],
  ])('%j', (ifRange, expected) => {
    expect(ifRangeAllows(ifRange, etag, lastModified)).toBe(expected);
  });
});
