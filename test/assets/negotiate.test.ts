import { describe, expect, it } from 'vitest';
import { chooseEncoding, parseAcceptEncoding } from '../../workers/assets/src/negotiate.ts';

// A compressible file as the build stores it: smallest first.
const ALL = [
  { encoding: 'br', size: 55_000 },
  { encoding: 'zstd', size: 58_000 },
  { encoding: 'gzip', size: 72_000 },
  { encoding: 'identity', size: 215_000 },
];
// A small file whose zstd variant did not pay off (the build dropped it).
const NO_ZSTD = ALL.filter((v) => v.encoding !== 'zstd');
const IDENTITY_ONLY = [{ encoding: 'identity', size: 23 }];

describe('chooseEncoding (RFC 9110 §12.5.3)', () => {
  it.each([
    // [Accept-Encoding, variants, expected encoding or null for 406]
    ['br;q=0, gzip', ALL, 'gzip'],
    ['*', ALL, 'br'],
    ['identity;q=0', ALL, null],
    ['zstd', ALL, 'zstd'],
    ['', ALL, 'identity'],
    [null, ALL, 'identity'],
    ['gzip, deflate, br, zstd', ALL, 'br'], // Chrome/Firefox: no weights, the smallest wins
    ['gzip, deflate, br', ALL, 'br'], // Safari
    ['gzip, deflate', ALL, 'gzip'],
    ['zstd, gzip', ALL, 'zstd'],
    ['zstd', NO_ZSTD, 'identity'],
    ['zstd, gzip', NO_ZSTD, 'gzip'],
    ['br;q=0.5, gzip;q=0.9', ALL, 'gzip'], // the client's weights beat our size preference
    ['br;q=0.5, gzip;q=0.5', ALL, 'br'],
    ['gzip;q=0.5, identity', ALL, 'identity'], // identity named with q=1 outranks gzip at 0.5
    ['gzip;q=0.001', ALL, 'gzip'], // named codings outrank the implicit identity
    ['*;q=0', ALL, null], // excludes identity too, as it is not named
    ['*;q=0, identity', ALL, 'identity'],
    ['*;q=0, gzip', ALL, 'gzip'],
    ['br;q=0, *', ALL, 'zstd'],
    ['identity;q=0, gzip', ALL, 'gzip'],
    ['identity;q=0', IDENTITY_ONLY, null],
    ['br', IDENTITY_ONLY, 'identity'],
    ['GZIP', ALL, 'gzip'],
    ['x-gzip', ALL, 'gzip'],
    ['br ; q=0 , gzip ; q=1.000', ALL, 'gzip'],
    ['br;q=1.5, gzip', ALL, 'gzip'], // q above 1 is malformed: that member is ignored
    ['br;q=abc', ALL, 'identity'],
    ['br;q=0.0001', ALL, 'identity'], // more than three decimals is malformed
    ['br;level=5', ALL, 'br'], // unknown parameters carry no meaning
    ['deflate, compress', ALL, 'identity'],
    [',,, ,', ALL, 'identity'],
    ['gzip;q=0, gzip', ALL, 'identity'], // first mention wins
  ])('%j -> %s', (header, variants, expected) => {
    expect(chooseEncoding(header, variants)?.encoding ?? null).toBe(expected);
  });

  it('returns the variant object itself (with its path and tag)', () => {
    const stored = [{ encoding: 'identity', size: 3, path: '/a.js', etag: '"x"' }];
    expect(chooseEncoding('gzip', stored)).toBe(stored[0]);
  });
});

describe('parseAcceptEncoding', () => {
  it('reads weights, lower-cases codings and skips malformed members', () => {
    expect([...parseAcceptEncoding('Br;Q=0.8, gzip, zstd;q=2, "bad", identity;q=0')]).toEqual([
      ['br', 0.8],
      ['gzip', 1],
      ['identity', 0],
    ]);
  });
});
