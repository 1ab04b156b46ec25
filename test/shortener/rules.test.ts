// The pure rules of shared/links, as tables: destinations, slugs, random codes, query appending.
import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, CODE_LENGTH, RESERVED_SLUGS, randomCode, slugProblem } from '../../shared/links/code.ts';
import { goneReason, type LinkRecord } from '../../shared/links/record.ts';
import { withQuery } from '../../shared/links/query.ts';
import { MAX_URL_LENGTH, checkDestination, parseHostList } from '../../shared/links/url.ts';

const policy = { shortHosts: ['sho.rt'], blockedHosts: parseHostList('localhost,evil.example,BÜCHER.example') };

describe('checkDestination', () => {
  const accepted: [string, string][] = [
    ['https://example.com', 'https://example.com/'],
    ['http://example.com/a?b=1#c', 'http://example.com/a?b=1#c'],
    ['HTTPS://Example.COM/Path', 'https://example.com/Path'],
    ['https://münchen.example/straße', 'https://xn--mnchen-3ya.example/stra%C3%9Fe'],
    ['https://例え.jp/', 'https://xn--r8jz45g.jp/'],
    ['https://example.com:8443/x', 'https://example.com:8443/x'],
    ['https://notsho.rt/', 'https://notsho.rt/'],
    ['https://93.184.216.34/', 'https://93.184.216.34/'],
    ['https://172.32.0.1/', 'https://172.32.0.1/'],
    ['https://[2606:4700::1111]/', 'https://[2606:4700::1111]/'],
  ];
  it.each(accepted)('accepts %s as %s', (raw, normalized) => {
    expect(checkDestination(raw, policy)).toEqual({ ok: true, url: normalized });
  });

  const refused: [string, RegExp][] = [
    ['', /empty/],
    ['example.com', /absolute URL/],
    ['/relative/path', /absolute URL/],
    ['//example.com/x', /absolute URL/],
    ['javascript:alert(1)', /scheme "javascript:"/],
    ['JavaScript:alert(1)', /scheme "javascript:"/],
    ['java\tscript:alert(1)', /whitespace or control/],
    [' https://example.com', /whitespace or control/],
    ['https://exa mple.com', /whitespace or control/],
    ['data:text/html,<script>alert(1)</script>', /scheme "data:"/],
    ['file:///etc/passwd', /scheme "file:"/],
    ['ftp://example.com/', /scheme "ftp:"/],
    ['vbscript:msgbox', /scheme "vbscript:"/],
    ['https://user:pass@example.com/', /credentials/],
    ['https://user@example.com/', /credentials/],
    ['https://@example.com/', /credentials/],
    ['https://trusted.example@evil.example/', /credentials/],
    ['https:\\\\evil.example/', /followed by a host/],
    ['https:///evil.example/', /followed by a host/],
    ['http:example.com', /followed by a host/],
    ['https://sho.rt/abc', /short domain/],
    ['https://SHO.RT./abc', /short domain/],
    ['https://www.sho.rt/abc', /short domain/],
    ['http://localhost:8080/', /blocked/],
    ['https://evil.example/', /blocked/],
    ['https://a.b.evil.example/', /blocked/],
    ['https://bücher.example/', /blocked/],
    ['https://', /followed by a host/],
    ['http://10.0.0.1/admin', /not a public address/],
    ['http://192.168.1.1/', /not a public address/],
    ['http://172.20.0.5/', /not a public address/],
    ['http://127.1/', /not a public address/],
    ['http://0x7f000001/', /not a public address/],
    ['http://2130706433/', /not a public address/],
    ['http://169.254.1.1/', /not a public address/],
    ['http://[fd00::1]/', /not a public address/],
    ['http://[fe80::1]/', /not a public address/],
    ['http://[::ffff:127.0.0.1]/', /not a public address/],
    ['http://[::]/', /not a public address/],
    ['https://exa%mple.com/', /not a valid URL/],
    ['http://[::1/', /not a valid URL/],
    [`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`, /at most 2048/],
  ];
  it.each(refused)('refuses %j', (raw, reason) => {
    const check = checkDestination(raw, policy);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('refuses a URL that only grows past the limit once normalized', () => {
    const raw = `https://example.com/${'ä'.repeat(700)}`; // 720 chars, 4,220 once percent-encoded
    expect(raw.length).toBeLessThan(MAX_URL_LENGTH);
    expect(checkDestination(raw, policy)).toMatchObject({ ok: false, reason: expect.stringMatching(/normalized/) });
  });
});

describe('slugProblem', () => {
  const cases: [string, RegExp | null][] = [
    ['abc', null],
    ['My-Link_2026', null],
    ['a'.repeat(64), null],
    ['ab', /3 to 64/],
    ['a'.repeat(65), /3 to 64/],
    ['-abc', /start with a letter or digit/],
    ['_abc', /start with a letter or digit/],
    ['ab c', /only letters/],
    ['ab/c', /only letters/],
    ['ab.c', /only letters/],
    ['äbc', /only letters/],
    ['api', /reserved/],
    ['API', /reserved/],
    ['Admin', /reserved/],
    ['health', /reserved/],
  ];
  it.each(cases)('%j -> %s', (slug, problem) => {
    const found = slugProblem(slug);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('reserves the words the issue names', () => {
    for (const word of ['api', 'admin', 'health']) expect(RESERVED_SLUGS.has(word)).toBe(true);
  });
});

describe('randomCode', () => {
  it('has a fixed length over an alphabet without look-alikes', () => {
    for (const lookalike of '0Oo1lI') expect(CODE_ALPHABET).not.toContain(lookalike);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    for (let i = 0; i < 200; i++) {
      const code = randomCode();
      expect(code).toHaveLength(CODE_LENGTH);
      for (const char of code) expect(CODE_ALPHABET).toContain(char);
    }
  });

  it('draws every symbol and does not repeat codes', () => {
    const codes = Array.from({ length: 2000 }, () => randomCode());
    expect(new Set(codes).size).toBe(codes.length);
    const seen = new Set(codes.join(''));
    expect(seen.size).toBe(CODE_ALPHABET.length);
  });
});

describe('withQuery', () => {
  const cases: [string, string, string][] = [
    ['https://e.com/p', '', 'https://e.com/p'],
    ['https://e.com/p', '?a=1', 'https://e.com/p?a=1'],
    ['https://e.com/p?x=%20y', '?a=1', 'https://e.com/p?x=%20y&a=1'],
    ['https://e.com/p?', '?a=1', 'https://e.com/p?a=1'],
    ['https://e.com/p#frag', '?utm_source=x', 'https://e.com/p?utm_source=x#frag'],
    ['https://e.com/p?x=1#frag', '?a=1&b=2', 'https://e.com/p?x=1&a=1&b=2#frag'],
  ];
  it.each(cases)('%s + %s', (destination, search, expected) => {
    expect(withQuery(destination, search)).toBe(expected);
  });
});

describe('goneReason', () => {
  const base: LinkRecord = {
    code: 'abc',
    url: 'https://e.com/',
    status: 301,
    appendQuery: true,
    immutable: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };
  const now = Date.parse('2026-06-01T00:00:00Z');
  it.each([
    [base, null],
    [{ ...base, expiresAt: '2026-06-01T00:00:01Z' }, null],
    [{ ...base, expiresAt: '2026-06-01T00:00:00Z' }, 'expired'],
    [{ ...base, deletedAt: '2026-05-01T00:00:00Z' }, 'deleted'],
  ] as [LinkRecord, string | null][])('%#', (record, reason) => {
    expect(goneReason(record, now)).toBe(reason);
  });
});
