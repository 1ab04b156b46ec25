// Rules, Vary, preview cards and the app association files, through the real shortener and redirector.
// (Vars are typed as their literal wrangler.toml values; a test sets others through a cast.)
import { beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../../workers/redirector/src/env.ts';
import { createLink } from './links.ts';
import { isolateEnv, visit } from './worker.ts';

const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';
const ANDROID_AS_DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let isolate: Env;
beforeEach(() => {
  isolate = isolateEnv();
});
const go = (path: string, headers: Record<string, string> = {}, method = 'GET') => visit(isolate, path, { method, headers });

describe('rules', () => {
  const rules = [
    { if: { device: 'ios' }, url: 'https://apps.apple.com/app/id1' },
    { if: { country: 'DE' }, url: 'https://example.de/' },
    { if: { language: 'fr' }, url: 'https://example.com/fr' },
    { if: { query: { ref: 'mail' } }, url: 'https://example.com/mail' },
    { if: { device: 'android' }, url: 'https://play.example/app' },
  ];

  it.each([
    ['an iPhone', { 'User-Agent': IPHONE }, '', 'https://apps.apple.com/app/id1'],
    [
      'an iPhone in Germany: the first rule that matches wins',
      { 'User-Agent': IPHONE, 'CF-IPCountry': 'DE' },
      '',
      'https://apps.apple.com/app/id1',
    ],
    ['a desktop in Germany', { 'User-Agent': DESKTOP, 'CF-IPCountry': 'DE' }, '', 'https://example.de/'],
    [
      'a French desktop',
      { 'User-Agent': DESKTOP, 'CF-IPCountry': 'CA', 'Accept-Language': 'fr-CA,fr;q=0.9,en;q=0.8' },
      '',
      'https://example.com/fr',
    ],
    [
      'an English desktop who also reads French',
      { 'User-Agent': DESKTOP, 'Accept-Language': 'en-US,fr;q=0.5' },
      '',
      'https://example.com/fr',
    ],
    ['a desktop from the newsletter', { 'User-Agent': DESKTOP }, '?ref=mail', 'https://example.com/mail?ref=mail'],
    [
      'Android asking for the desktop site (client hint)',
      { 'User-Agent': ANDROID_AS_DESKTOP, 'Sec-CH-UA-Platform': '"Android"' },
      '',
      'https://play.example/app',
    ],
    [
      'anyone else',
      { 'User-Agent': DESKTOP, 'CF-IPCountry': 'US', 'Accept-Language': 'en' },
      '?ref=web',
      'https://example.com/home?ref=web',
    ],
  ])('sends %s to its destination', async (_who, headers, search, location) => {
    const link = await createLink({ url: 'https://example.com/home', rules });
    const res = await go(`/${link.code}${search}`, headers);
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe(location);
  });

  it('says what the answer depends on in Vary, and keeps it out of shared caches', async () => {
    const link = await createLink({ url: 'https://example.com/v', rules: rules.slice(0, 3) });
    const res = await go(`/${link.code}`, { 'User-Agent': DESKTOP });
    expect(res.headers.get('Vary')).toBe('User-Agent, Sec-CH-UA-Platform, CF-IPCountry, Accept-Language');
    expect(res.headers.get('Cache-Control')).toBe('private, max-age=86400');
    // A rule on the query string needs neither: the URL itself tells the answers apart.
    const byQuery = await createLink({ url: 'https://example.com/q', rules: [rules[3]] });
    const plain = await go(`/${byQuery.code}`, { 'User-Agent': DESKTOP });
    expect(plain.headers.get('Vary')).toBeNull();
    expect(plain.headers.get('Cache-Control')).toBe('public, max-age=86400');
  });

  it('gives each client its own answer when served from isolate memory', async () => {
    const link = await createLink({ url: 'https://example.com/mem', rules: [rules[0]] });
    expect((await go(`/${link.code}`, { 'User-Agent': IPHONE })).headers.get('Location')).toBe('https://apps.apple.com/app/id1');
    expect((await go(`/${link.code}`, { 'User-Agent': DESKTOP })).headers.get('Location')).toBe('https://example.com/mem');
    expect((await go(`/${link.code}`, { 'User-Agent': IPHONE })).headers.get('Location')).toBe('https://apps.apple.com/app/id1');
  });
});

describe('preview cards', () => {
  const preview = { title: 'Spring <sale>', description: 'Half off "everything"', image: 'https://cdn.example.com/card.png' };
  const SLACK = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

  it.each([
    ['Slack', SLACK],
    ['Facebook', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'],
    ['X', 'Twitterbot/1.0'],
    ['LinkedIn', 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)'],
    ['Discord', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'],
    ['WhatsApp', 'WhatsApp/2.23.20.0 A'],
    [
      'iMessage',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
    ],
  ])('shows %s the card, escaped, with Range and gzip tolerated', async (_app, ua) => {
    const link = await createLink({ url: 'https://example.com/sale?x=1&y=2', preview });
    const res = await go(`/${link.code}`, { 'User-Agent': ua, Range: 'bytes=0-524287', 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('Vary')).toBe('User-Agent');
    expect(res.headers.get('Cache-Control')).toBe('private, max-age=300');
    const html = await res.text();
    expect(html).toContain('<meta property="og:title" content="Spring &lt;sale&gt;">');
    expect(html).toContain('<meta property="og:description" content="Half off &quot;everything&quot;">');
    expect(html).toContain('<meta property="og:image" content="https://cdn.example.com/card.png">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain('url=https://example.com/sale?x=1&amp;y=2');
  });

  it.each([
    ['a browser', DESKTOP],
    ['curl', 'curl/8.5.0'],
    ['a scanner', 'Mozilla/5.0 (compatible; urlscan.io)'],
    ['a search crawler', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
    ['a preview bot without a card of its own', 'TelegramBot (like TwitterBot)'],
  ])('redirects %s', async (_who, ua) => {
    const link = await createLink({ url: 'https://example.com/sale', preview });
    const res = await go(`/${link.code}`, { 'User-Agent': ua });
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/sale');
    expect(res.headers.get('Vary')).toBe('User-Agent');
    expect(res.headers.get('Cache-Control')).toBe('private, max-age=86400');
  });

  it('with VERIFY_BOTS on, shows the card only to a bot Cloudflare vouches for, where the zone has bot signals', async () => {
    const link = await createLink({ url: 'https://example.com/verified', preview });
    isolate = isolateEnv({ VERIFY_BOTS: 'true' as Env['VERIFY_BOTS'] });
    const as = (cf: Record<string, unknown> | undefined) =>
      visit(isolate, `/${link.code}`, { headers: { 'User-Agent': SLACK }, ...(cf && { cf }) });
    expect((await as({ botManagement: { verifiedBot: false, score: 2 } })).status).toBe(301);
    expect((await as({ verifiedBotCategory: 'Page Preview', botManagement: { verifiedBot: true } })).status).toBe(200);
    expect((await as(undefined)).status).toBe(200); // a plan without bot signals: the User-Agent decides
  });

  it('redirects everybody, preview bots too, when the link has no preview', async () => {
    const link = await createLink({ url: 'https://example.com/no-card' });
    const res = await go(`/${link.code}`, { 'User-Agent': SLACK });
    expect(res.status).toBe(301);
    expect(res.headers.get('Vary')).toBeNull();
  });
});

describe('app association files', () => {
  it('serves both from config as JSON, 200, never a redirect', async () => {
    const apple = await go('/.well-known/apple-app-site-association');
    expect(apple.status).toBe(200);
    expect(apple.headers.get('Content-Type')).toBe('application/json');
    expect(await apple.json()).toMatchObject({ applinks: { details: [{ appIDs: ['ABCDE12345.com.example.links'] }] } });
    const android = await go('/.well-known/assetlinks.json');
    expect(android.status).toBe(200);
    expect(android.headers.get('Content-Type')).toBe('application/json');
    expect(await android.json()).toMatchObject([{ target: { namespace: 'android_app', package_name: 'com.example.links' } }]);
  });

  it('answers 404 when a stage configures none, and a bad value is a 500 naming it', async () => {
    isolate = isolateEnv({ ASSET_LINKS: '' as Env['ASSET_LINKS'] });
    expect((await go('/.well-known/assetlinks.json')).status).toBe(404);
    isolate = isolateEnv({ APPLE_APP_SITE_ASSOCIATION: '[not json' as Env['APPLE_APP_SITE_ASSOCIATION'] });
    const bad = await go('/.well-known/apple-app-site-association');
    expect(bad.status).toBe(500);
    expect(await bad.json()).toMatchObject({ error: { code: 'config_invalid', field: 'APPLE_APP_SITE_ASSOCIATION' } });
  });
});
