import { describe, expect, it } from 'vitest';
import {
  evaluatePreconditions,
  matchesAny,
  parseEntityTags,
  parseHttpDate,
  type Preconditions,
} from '../../workers/assets/src/conditional.ts';

const validators = { etag: '"abc"', lastModified: 'Mon, 23 Nov 2026 12:00:00 GMT' };
const none: Preconditions = { ifMatch: null, ifNoneMatch: null, ifModifiedSince: null, ifUnmodifiedSince: null };

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  it.each([
    ['no conditions', 'GET', {}, 'proceed'],
    ['If-None-Match equal', 'GET', { ifNoneMatch: '"abc"' }, 'not-modified'],
    ['If-None-Match in a list', 'GET', { ifNoneMatch: '"x", "abc", "y"' }, 'not-modified'],
    ['If-None-Match weak form (weak comparison)', 'GET', { ifNoneMatch: 'W/"abc"' }, 'not-modified'],
    ['If-None-Match *', 'HEAD', { ifNoneMatch: '*' }, 'not-modified'],
    ['If-None-Match other', 'GET', { ifNoneMatch: '"other"' }, 'proceed'],
    ['If-None-Match malformed', 'GET', { ifNoneMatch: 'abc' }, 'proceed'],
    ['If-Modified-Since equal', 'GET', { ifModifiedSince: 'Mon, 23 Nov 2026 12:00:00 GMT' }, 'not-modified'],
    ['If-Modified-Since later', 'GET', { ifModifiedSince: 'Tue, 24 Nov 2026 12:00:00 GMT' }, 'not-modified'],
    ['If-Modified-Since earlier', 'GET', { ifModifiedSince: 'Sun, 22 Nov 2026 12:00:00 GMT' }, 'proceed'],
    ['If-Modified-Since not a date', 'GET', { ifModifiedSince: 'yesterday' }, 'proceed'],
    [
      'If-None-Match wins over If-Modified-Since',
      'GET',
      { ifNoneMatch: '"other"', ifModifiedSince: 'Tue, 24 Nov 2026 12:00:00 GMT' },
      'proceed',
    ],
    ['If-Match equal', 'GET', { ifMatch: '"abc"' }, 'proceed'],
    ['If-Match *', 'GET', { ifMatch: '*' }, 'proceed'],
    ['If-Match other', 'GET', { ifMatch: '"other"' }, 'precondition-failed'],
    ['If-Match weak (strong comparison)', 'GET', { ifMatch: 'W/"abc"' }, 'precondition-failed'],
    ['If-Unmodified-Since earlier', 'GET', { ifUnmodifiedSince: 'Sun, 22 Nov 2026 12:00:00 GMT' }, 'precondition-failed'],
    ['If-Unmodified-Since later', 'GET', { ifUnmodifiedSince: 'Tue, 24 Nov 2026 12:00:00 GMT' }, 'proceed'],
    ['If-Match wins over If-Unmodified-Since', 'GET', { ifMatch: '"abc"', ifUnmodifiedSince: 'Sun, 22 Nov 2026 12:00:00 GMT' }, 'proceed'],
  ] as const)('%s', (_name, method, conditions, expected) => {
    expect(evaluatePreconditions(method, { ...none, ...conditions }, validators)).toBe(expected);
  });
});

describe('entity tags and dates', () => {
  it('parses lists with weak tags and drops junk', () => {
    expect(parseEntityTags(' W/"a", "b",junk , "c,d"')).toEqual([
      { weak: true, tag: '"a"' },
      { weak: false, tag: '"b"' },
      { weak: false, tag: '"c,d"' },
    ]);
    expect(parseEntityTags('*')).toEqual(['*']);
    expect(matchesAny('"a", W/"b"', '"b"', 'strong')).toBe(false);
    expect(matchesAny('"a", W/"b"', '"b"', 'weak')).toBe(true);
  });

  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 37)],
    ['Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 37)],
    ['Sun Nov  6 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 37)],
    ['1', null],
    ['2026-11-23', null],
    ['', null],
  ])('parseHttpDate(%j)', (value, expected) => {
    expect(parseHttpDate(value)).toBe(expected);
  });
});
