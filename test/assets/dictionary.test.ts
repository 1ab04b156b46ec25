/** workers/assets/src/dictionary.ts: the Compression Dictionary Transport headers, as tables. */
import { describe, expect, it } from 'vitest';
import { parseAvailableDictionary, usableDeltas, useAsDictionary } from '../../workers/assets/src/dictionary.ts';
import type { StoredDelta } from '../../workers/assets/src/manifest.ts';
import { parseAcceptEncoding } from '../../workers/assets/src/negotiate.ts';
import { varyOf } from '../../workers/assets/src/serve.ts';

/** 32 bytes as base64: a SHA-256 as `Available-Dictionary` carries it. */
const HASH = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i * 7)));
const OTHER = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 255 - i)));

describe('parseAvailableDictionary (RFC 9842 §2.2: a structured-field Byte Sequence of a SHA-256)', () => {
  it.each([
    [`:${HASH}:`, HASH],
    [`  :${HASH}:  `, HASH],
    [null, null],
    ['', null],
    [HASH, null], // no colons: a String or Token, not a Byte Sequence
    [`"${HASH}"`, null],
    [`:${HASH}`, null],
    [`:${HASH.slice(0, -4)}:`, null], // 30 bytes
    [`:${HASH}${HASH}:`, null], // 64 bytes: not one hash
    [':!!!!:', null],
    [`:${HASH.replace(/=$/, '')}:`, HASH], // RFC 8941 §4.2.7: parsers should not fail on missing padding
    [`:${HASH}:, :${OTHER}:`, null], // one hash only
  ])('%j -> %j', (header, expected) => {
    expect(parseAvailableDictionary(header)).toBe(expected);
  });
});

describe('useAsDictionary (RFC 9842 §2.1: match is a structured-field String)', () => {
  it.each([
    ['/assets/article.*.js', 'match="/assets/article.*.js"'],
    ['/static/js/787.*.chunk.js', 'match="/static/js/787.*.chunk.js"'],
    ['/a"b\\c.*.js', 'match="/a\\"b\\\\c.*.js"'],
  ])('%s -> %s', (match, header) => {
    expect(useAsDictionary(match)).toBe(header);
  });
});

describe('usableDeltas: a delta only for the dictionary the client has, in a coding it names', () => {
  const delta = (encoding: string, dictionary: string, size: number): StoredDelta => ({
    encoding,
    dictionary,
    size,
    path: `/a.js.${encoding}`,
    etag: `"${encoding}${size}"`,
  });
  const DELTAS = [delta('dcz', HASH, 90), delta('dcz', OTHER, 120), delta('dcb', HASH, 80)];

  it.each([
    ['gzip, deflate, br, zstd, dcb, dcz', HASH, ['dcz:90', 'dcb:80']],
    ['gzip, deflate, br, zstd, dcb, dcz', OTHER, ['dcz:120']],
    ['gzip, br, dcz', HASH, ['dcz:90']],
    ['gzip, br, dcz;q=0', HASH, []],
    ['gzip, br, zstd', HASH, []], // a dictionary, but no dictionary coding named
    ['*', HASH, []], // `*` does not stand for codings that need a dictionary
    [null, HASH, []],
    ['dcz', btoa('x'.repeat(32)), []], // a dictionary the build made no delta with
  ])('Accept-Encoding %j with dictionary %s -> %j', (acceptEncoding, dictionary, expected) => {
    expect(
      usableDeltas(DELTAS, dictionary, acceptEncoding === null ? null : parseAcceptEncoding(acceptEncoding)).map(
        (d) => `${d.encoding}:${d.size}`,
      ),
    ).toEqual(expected);
  });
});

describe('varyOf', () => {
  const variant = (encoding: string) => ({ encoding, size: 1, path: '/a', etag: '"a"' });
  const entry = { contentType: 'text/javascript', immutable: true, lastModified: 'Tue, 01 Jan 2030 00:00:00 GMT' };
  it.each([
    ['one variant', { ...entry, variants: [variant('identity')] }, null],
    ['several variants', { ...entry, variants: [variant('br'), variant('identity')] }, 'Accept-Encoding'],
    [
      'deltas: every answer varies on the dictionary too',
      { ...entry, variants: [variant('br'), variant('identity')], deltas: [{ ...variant('dcz'), dictionary: HASH }] },
      'Accept-Encoding, Available-Dictionary',
    ],
  ])('%s -> %j', (_name, value, expected) => {
    expect(varyOf(value)).toBe(expected);
  });
});
