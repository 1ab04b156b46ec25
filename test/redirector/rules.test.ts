// Pure decisions of the redirector, as tables: cache lifetimes, click kinds, rules, content negotiation.
import { describe, expect, it } from 'vitest';
import type { LinkRecord, LinkRule } from '../../shared/links/record.ts';
import { acceptedLanguages, deviceOf, matchRule, preferredLanguage } from '../../shared/links/rules.ts';
import { classifyClick, inScannerNetwork, parseAddress } from '../../workers/redirector/src/classify.ts';
import { ONE_YEAR, cacheControl, wantsHtml } from '../../workers/redirector/src/respond.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const link = (over: Partial<LinkRecord> = {}): LinkRecord => ({
  code: 'abc',
  url: 'https://e.com/',
  status: 301,
  appendQuery: true,
  immutable: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
  ...over,
});

describe('cacheControl', () => {
  it.each([
    ['301 default', link(), 'public, max-age=86400'],
    ['308 default', link({ status: 308 }), 'public, max-age=86400'],
    ['per-link max-age', link({ maxAge: 300 }), 'public, max-age=300'],
    ['immutable', link({ immutable: true }), `public, max-age=${ONE_YEAR}, immutable`],
    ['capped by expiry', link({ expiresAt: '2026-06-01T00:10:00Z' }), 'public, max-age=600'],
    ['immutable capped by expiry', link({ immutable: true, expiresAt: '2026-06-01T01:00:00Z' }), 'public, max-age=3600'],
    ['max-age 0', link({ maxAge: 0 }), 'no-cache'],
    ['302 never stored', link({ status: 302, maxAge: 999 }), 'no-store'],
    ['307 never stored', link({ status: 307, immutable: true }), 'no-store'],
  ])('%s', (_name, record, expected) => {
    expect(cacheControl(record, 86_400, NOW)).toBe(expected);
  });
});

describe('classifyClick by method and User-Agent', () => {
  const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  const iphone =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';
  it.each([
    ['GET', chrome, 'human'],
    ['GET', iphone, 'human'],
    ['HEAD', chrome, 'head'],
    ['HEAD', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'head'],
    ['GET', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'preview'],
    ['GET', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'preview'],
    ['GET', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'preview'],
    ['GET', 'TelegramBot (like TwitterBot)', 'preview'],
    ['GET', 'Mozilla/5.0 (compatible; urlscan.io)', 'scanner'],
    ['GET', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'bot'],
    ['GET', 'curl/8.5.0', 'bot'],
    ['GET', null, 'bot'],
    ['GET', '', 'bot'],
  ] as [string, string | null, string][])('%s %s -> %s', (method, ua, kind) => {
    expect(classifyClick(method, new Headers(ua === null ? {} : { 'User-Agent': ua }))).toBe(kind);
  });
});

describe('wantsHtml', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['application/json', false],
    ['*/*', false],
    [null, false],
  ])('%s -> %s', (accept, html) => {
    const headers: Record<string, string> = accept === null ? {} : { Accept: accept };
    expect(wantsHtml(new Request('https://sho.rt/x', { headers }))).toBe(html);
  });
});

describe('classifyClick by the rest of the request', () => {
  const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  it.each([
    [{ 'Sec-Purpose': 'prefetch' }, 'head'],
    [{ 'Sec-Purpose': 'prefetch;prerender' }, 'head'],
    [{ Purpose: 'prefetch' }, 'head'],
    [{ 'X-Moz': 'prefetch' }, 'head'],
    [{ 'X-Purpose': 'preview' }, 'head'],
    [{ 'CF-Connecting-IP': '40.107.22.51' }, 'scanner'], // Exchange Online Protection
    [{ 'CF-Connecting-IP': '2a01:111:f400:7e1b::1' }, 'scanner'],
    [{ 'CF-Connecting-IP': '148.163.150.20' }, 'scanner'], // Proofpoint
    [{ 'CF-Connecting-IP': '205.139.110.61' }, 'scanner'], // Mimecast
    [{ 'CF-Connecting-IP': '203.0.113.7' }, 'human'],
    [{ 'CF-Connecting-IP': '2001:db8::1' }, 'human'],
    [{ Referer: 'https://urldefense.com/v3/__https://sho.rt/x__' }, 'scanner'],
    [{ Referer: 'https://news.ycombinator.com/item?id=1' }, 'human'],
  ] as [Record<string, string>, string][])('%j -> %s', (headers, kind) => {
    expect(classifyClick('GET', new Headers({ 'User-Agent': chrome, ...headers }))).toBe(kind);
  });
});

describe('parseAddress and inScannerNetwork', () => {
  it.each([
    ['40.107.0.1', [0x286b0001]],
    ['::ffff:40.107.0.1', [0x286b0001]],
    ['2a01:111:f400::1', [0x2a01, 0x111, 0xf400, 0, 0, 0, 0, 1]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['1.2.3', null],
    ['256.1.1.1', null],
    ['1::2::3', null],
    ['not-an-ip', null],
  ] as [string, number[] | null][])('%s', (text, words) => {
    expect(parseAddress(text)).toEqual(words);
  });

  it('matches prefixes to the bit', () => {
    expect(inScannerNetwork('209.66.100.64')).toBe(true); // 209.66.100.64/26
    expect(inScannerNetwork('209.66.100.127')).toBe(true);
    expect(inScannerNetwork('209.66.100.128')).toBe(false);
    expect(inScannerNetwork('104.47.127.255')).toBe(true); // 104.47.0.0/17
    expect(inScannerNetwork('104.47.128.0')).toBe(false);
  });
});

describe('deviceOf', () => {
  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', null, 'ios'],
    ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', null, 'ios'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36', null, 'android'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', '"Android"', 'android'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', '"Windows"', 'desktop'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15', null, 'desktop'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', null, 'desktop'],
    ['Mozilla/5.0 (Mobile; rv:48.0; KAIOS/2.5) Gecko/48.0 Firefox/48.0', null, 'other'],
    [null, null, 'other'],
  ] as [string | null, string | null, string][])('%s (%s) -> %s', (ua, platform, device) => {
    expect(deviceOf(ua, platform)).toBe(device);
  });
});

describe('languages', () => {
  it.each([
    ['fr-CA,fr;q=0.9,en;q=0.8', ['fr-ca', 'fr', 'en']],
    ['en;q=0.5, de', ['de', 'en']],
    ['da, en-gb;q=0.8, en;q=0.7, *;q=0.1', ['da', 'en-gb', 'en']],
    ['de;q=0, fr', ['fr']],
    ['', []],
    [null, []],
  ] as [string | null, string[]][])('acceptedLanguages(%j)', (header, tags) => {
    expect(acceptedLanguages(header)).toEqual(tags);
  });

  it.each([
    [['fr', 'de'], 'de, fr;q=0.5', 'de'],
    [['fr', 'de'], 'fr-CH, de;q=0.9', 'fr'],
    [['fr', 'fr-ca'], 'fr-CA', 'fr-ca'],
    [['fr-ca'], 'fr', null],
    [['es'], 'en-US, en', null],
  ] as [string[], string, string | null][])('preferredLanguage(%j, %j) -> %s', (candidates, header, chosen) => {
    expect(preferredLanguage(candidates, header)).toBe(chosen);
  });
});

describe('matchRule', () => {
  const rules: LinkRule[] = [
    { if: { language: 'fr' }, url: 'https://a/fr' },
    { if: { query: { promo: '*', ref: 'mail' } }, url: 'https://a/promo' },
    { if: { language: 'de' }, url: 'https://a/de' },
  ];
  it.each([
    [{ 'Accept-Language': 'de, fr;q=0.8' }, '', 2],
    [{ 'Accept-Language': 'fr' }, '?promo=1&ref=mail', 0],
    [{}, '?promo=&ref=mail', 1],
    [{}, '?promo=1&ref=web', -1],
    [{}, '?ref=mail', -1],
    [{ 'Accept-Language': 'it' }, '', -1],
  ] as [Record<string, string>, string, number][])('%j %s -> rule %i', (headers, search, index) => {
    expect(matchRule(rules, { headers: new Headers(headers), search })).toBe(index);
  });
});
