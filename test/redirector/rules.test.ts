// Pure decisions of the redirector, as tables: cache lifetimes, click kinds, content negotiation.
import { describe, expect, it } from 'vitest';
import type { LinkRecord } from '../../shared/links/record.ts';
import { classifyClick } from '../../workers/redirector/src/classify.ts';
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
