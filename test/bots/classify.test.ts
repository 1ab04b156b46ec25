import { describe, expect, it } from 'vitest';
import { classifyBot, MEMO_LIMIT, memoSize } from '../../shared/bots/classify.ts';
import { BOT_CATEGORIES, categoryFromTags, parseCategories, robotsToken } from '../../shared/bots/categories.ts';
import { categoryOfToken, tokensByCategory } from '../../shared/bots/tokens.ts';

// Real User-Agent strings, as published by the crawlers' owners or seen in access logs.
const BOTS: Array<[category: string, name: string, userAgent: string]> = [
  [
    'search',
    'Googlebot',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  ],
  [
    'search',
    'Googlebot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/130.0.6723.69 Safari/537.36',
  ],
  [
    'search',
    'bingbot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  ],
  ['search', 'YandexBot', 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)'],
  ['search', 'Baiduspider', 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'],
  ['search', 'DuckDuckBot', 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)'],
  [
    'search',
    'Applebot',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
  ],
  ['link-preview', 'facebookexternalhit', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'],
  ['link-preview', 'Twitterbot', 'Twitterbot/1.0'],
  ['link-preview', 'Slackbot', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'],
  ['link-preview', 'LinkedInBot', 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)'],
  ['link-preview', 'Discordbot', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'],
  ['link-preview', 'WhatsApp', 'WhatsApp/2.23.20.0 A'],
  ['link-preview', 'TelegramBot', 'TelegramBot (like TwitterBot)'],
  ['ai-training', 'GPTBot', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)'],
  [
    'ai-assistant',
    'ChatGPT-User',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot',
  ],
  ['ai-training', 'ClaudeBot', 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)'],
  [
    'ai-assistant',
    'PerplexityBot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)',
  ],
  ['ai-training', 'CCBot', 'CCBot/2.0 (https://commoncrawl.org/faq/)'],
  [
    'ai-training',
    'Bytespider',
    'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
  ],
  ['archiver', 'ia_archiver', 'ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)'],
  ['archiver', 'archive.org_bot', 'Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)'],
  [
    'ai-assistant',
    'Claude-User',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; +Claude-User@anthropic.com)',
  ],
  [
    'ai-assistant',
    'OAI-SearchBot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot',
  ],
  ['other', 'curl', 'curl/8.4.0'],
  ['other', 'python-requests', 'python-requests/2.32.3'],
  ['seo-tool', 'AhrefsBot', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'],
  ['seo-tool', 'SemrushBot', 'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)'],
  ['seo-tool', 'MJ12bot', 'Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)'],
  ['seo-tool', 'Screaming Frog SEO Spider', 'Screaming Frog SEO Spider/19.4'],
  ['seo-tool', 'UptimeRobot', 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)'],
  ['seo-tool', 'Pingdom', 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)'],
  [
    'seo-tool',
    'Chrome-Lighthouse',
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
  ],
  ['other', 'curl', 'curl/8.4.0'],
  ['other', 'python-requests', 'python-requests/2.31.0'],
  [
    'other',
    'HeadlessChrome',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.6478.182 Safari/537.36',
  ],
];

// Humans that hand-copied substring lists send to snapshots.
const HUMANS: Array<[label: string, userAgent: string]> = [
  ['Chrome desktop', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'],
  ['Firefox', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0'],
  ['Safari macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15'],
  [
    'Safari iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  ],
  ['Edge', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.0.0'],
  [
    'Opera',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/105.0.0.0',
  ],
  [
    'Samsung Internet',
    'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36 SamsungBrowser/23.0',
  ],
  [
    'Chrome Android',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.58 Mobile Safari/537.36',
  ],
  [
    'Instagram in-app',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 532277709)',
  ],
  [
    'Facebook in-app iOS (FBAN/FBAV)',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/431.0.0.38.109;FBBV/518906224;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/16.6;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
  ],
  [
    'Facebook in-app Android',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/440.0.0.31.105;]',
  ],
  [
    'WhatsApp in-app browser',
    'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 WhatsApp/2.23.20.76',
  ],
  [
    'Slack (Electron)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.35.126 Chrome/118.0.5993.159 Electron/27.0.3 Safari/537.36',
  ],
  [
    'Discord (Electron)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) discord/1.0.9020 Chrome/108.0.5359.215 Electron/22.3.26 Safari/537.36',
  ],
  [
    'CUBOT phone',
    'Mozilla/5.0 (Linux; Android 10; CUBOT_X20_PRO) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36',
  ],
  [
    'CUBOT KingKong',
    'Mozilla/5.0 (Linux; Android 11; KINGKONG 5 Pro Build/RP1A.200720.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/96.0.4664.104 Mobile Safari/537.36 CUBOT',
  ],
  ['Konqueror', 'Mozilla/5.0 (X11; Linux x86_64) KHTML/5.20.0 (like Gecko) Konqueror/5.20'],
  [
    'Yandex Browser',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36',
  ],
];

describe('classifyBot: crawlers of every category', () => {
  it.each(BOTS)('%s: %s', (category, name, userAgent) => {
    expect(classifyBot({ userAgent })).toEqual({ bot: true, category, name, verified: false });
  });

  it('covers every category with at least one real user agent', () => {
    expect(new Set(BOTS.map(([category]) => category))).toEqual(new Set(BOT_CATEGORIES));
  });
});

describe('classifyBot: humans naive lists get wrong', () => {
  it.each(HUMANS)('%s is a human', (_label, userAgent) => {
    expect(classifyBot({ userAgent })).toEqual({ bot: false, category: null, name: null, verified: false });
  });

  it('treats a missing User-Agent as a human (the SPA is the safe answer)', () => {
    expect(classifyBot({ userAgent: null }).bot).toBe(false);
    expect(classifyBot({ userAgent: '' }).bot).toBe(false);
  });
});

describe('classifyBot: Cloudflare signals', () => {
  const googlebot = BOTS[0]![2];

  it('marks a crawler verified when cf names its verified category, and takes that category', () => {
    expect(classifyBot({ userAgent: googlebot, cf: { verifiedBotCategory: 'Search Engine Crawler' } })).toEqual({
      bot: true,
      category: 'search',
      name: 'Googlebot',
      verified: true,
    });
    expect(classifyBot({ userAgent: 'facebookexternalhit/1.1', cf: { verifiedBotCategory: 'AI Crawler' } }).category).toBe('ai-training');
    expect(classifyBot({ userAgent: 'facebookexternalhit/1.1', cf: { verifiedBotCategory: 'AI Assistant' } }).category).toBe(
      'ai-assistant',
    );
  });

  it('marks a crawler verified from Bot Management', () => {
    expect(classifyBot({ userAgent: googlebot, cf: { botManagement: { verifiedBot: true, score: 1 } } }).verified).toBe(true);
  });

  it('leaves a crawler UA unverified when cf gives no verification (a spoofed Googlebot)', () => {
    expect(classifyBot({ userAgent: googlebot, cf: { verifiedBotCategory: '', botManagement: { verifiedBot: false } } })).toEqual({
      bot: true,
      category: 'search',
      name: 'Googlebot',
      verified: false,
    });
  });

  it('trusts a verified bot even when its user agent looks like a browser', () => {
    const chrome = HUMANS[0]![1];
    expect(classifyBot({ userAgent: chrome, cf: { verifiedBotCategory: 'Monitoring & Analytics' } })).toMatchObject({
      bot: true,
      category: 'seo-tool',
      verified: true,
    });
  });
});

describe('classifyBot: a bare product token (curl -A Googlebot)', () => {
  it.each([
    ['Googlebot', 'search'],
    ['bingbot', 'search'],
  ])('%s -> %s, like the full user agent', (userAgent, category) => {
    expect(classifyBot({ userAgent })).toMatchObject({ bot: true, category, name: userAgent });
  });

  it('does not stretch a listed token to a longer word', () => {
    expect(classifyBot({ userAgent: 'Googlebotanist' }).category).not.toBe('search');
  });
});

describe('classifyBot: the memo of user agents', () => {
  it('classifies a 16 KB bot UA (too long for the memo) the same way every time', () => {
    const huge = `Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) ${'x'.repeat(16_000)}`;
    const first = classifyBot({ userAgent: huge });
    expect(first).toMatchObject({ bot: true, category: 'search' });
    expect(classifyBot({ userAgent: huge })).toEqual(first);
  });

  it('answers a person classified twice the same, from the memo the second time', () => {
    const chrome = `${HUMANS[0]![1]} memo-test`;
    const before = memoSize();
    const first = classifyBot({ userAgent: chrome });
    expect(first).toEqual({ bot: false, category: null, name: null, verified: false });
    expect(Object.isFrozen(first)).toBe(true);
    expect(memoSize()).toBe(Math.min(before + 1, MEMO_LIMIT));
    expect(classifyBot({ userAgent: chrome })).toBe(first);
  });

  it('keeps a person from the memo answer unchanged when Cloudflare vouches for a bot', () => {
    const chrome = HUMANS[0]![1];
    classifyBot({ userAgent: chrome });
    expect(classifyBot({ userAgent: chrome, cf: { botManagement: { verifiedBot: true } } })).toEqual({
      bot: true,
      category: 'other',
      name: 'verified-bot',
      verified: true,
    });
    expect(classifyBot({ userAgent: chrome })).toMatchObject({ bot: false });
  });

  it('keeps out a 16 KB person UA', () => {
    const before = memoSize();
    // The memo has room, so a UA it kept would show in its size.
    expect(before).toBeLessThan(MEMO_LIMIT);
    const huge = `${HUMANS[0]![1]} ${'x'.repeat(16_000)}`;
    expect(classifyBot({ userAgent: huge })).toMatchObject({ bot: false });
    expect(classifyBot({ userAgent: huge })).toMatchObject({ bot: false });
    expect(memoSize()).toBe(before);
  });

  it('stays within its bound on people and bots, and answers evicted UAs the same', () => {
    const person = (i: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${i}.0.0.0 Safari/537.36`;
    const bot = (i: number) => `Mozilla/5.0 (compatible; ExampleBot/${i}.0; +https://example.com/bot)`;
    const firstBot = classifyBot({ userAgent: bot(0) });
    expect(firstBot).toMatchObject({ bot: true, category: 'other' });
    for (let i = 0; i < MEMO_LIMIT; i++) {
      classifyBot({ userAgent: person(i) });
      classifyBot({ userAgent: bot(i) });
    }
    expect(memoSize()).toBe(MEMO_LIMIT);
    // person(0) and bot(0) were evicted by the later UAs, and are answered again from scratch.
    expect(classifyBot({ userAgent: person(0) })).toMatchObject({ bot: false });
    expect(classifyBot({ userAgent: bot(0) })).toEqual(firstBot);
    expect(memoSize()).toBe(MEMO_LIMIT);
  });
});

describe('category config', () => {
  it.each([
    [['search-engine'], '', 'search'],
    [['ai-crawler', 'search-engine'], 'OAI-SearchBot', 'ai-assistant'],
    [['search-engine', 'ai-crawler'], 'DuckAssistBot', 'ai-assistant'],
    [['ai-crawler'], 'ChatGPT-User', 'ai-assistant'],
    [['ai-crawler'], 'GPTBot', 'ai-training'],
    [['ai-crawler', 'social-preview'], 'meta-externalagent', 'ai-training'],
    [['social-preview'], '', 'link-preview'],
    [['archiver'], '', 'archiver'],
    [['seo'], '', 'seo-tool'],
    [['monitoring'], '', 'seo-tool'],
    [['advertising'], '', 'other'],
    [undefined, '', 'other'],
  ] as const)('tags %j with token "%s" -> %s', (tags, token, category) => {
    expect(categoryFromTags(tags, token)).toBe(category);
  });

  it('parses category lists and rejects unknown names', () => {
    expect(parseCategories(' search, link-preview ,')).toEqual(new Set(['search', 'link-preview']));
    expect(parseCategories(undefined)).toEqual(new Set());
    expect(() => parseCategories('search,robots')).toThrow(/unknown bot category "robots"/);
  });
});

describe('robots.txt tokens', () => {
  it.each([
    ['Googlebot\\/', 'Googlebot'],
    ['[cC]laude[bB]ot', 'claudebot'],
    ['archive\\.org_bot', 'archive.org_bot'],
    ['ChatGPT-User', 'ChatGPT-User'],
    ['Spider[\\s\\S]*spider\\.com', null],
    ['AdsBot-Google([^-]|$)', null],
  ])('the pattern %s names the token %s', (pattern, token) => {
    expect(robotsToken(pattern)).toBe(token);
  });

  it('lists the tokens of every category, each in the category its user agents get', () => {
    const tokens = tokensByCategory();
    expect(tokens.get('ai-training')).toEqual(expect.arrayContaining(['GPTBot', 'CCBot', 'claudebot', 'Bytespider']));
    expect(tokens.get('ai-assistant')).toEqual(expect.arrayContaining(['ChatGPT-User', 'OAI-SearchBot', 'Claude-User', 'Perplexity-User']));
    expect(tokens.get('search')).toEqual(expect.arrayContaining(['Googlebot', 'bingbot']));
    expect(tokens.get('archiver')).toEqual(expect.arrayContaining(['ia_archiver', 'archive.org_bot']));
    for (const [category, list] of tokens) {
      for (const token of list) {
        const byUserAgent = classifyBot({ userAgent: `Mozilla/5.0 (compatible; ${token}/1.0; +https://example.com/bot)` });
        expect(byUserAgent.bot ? byUserAgent.category : category, token).toBe(category);
      }
    }
    expect(categoryOfToken('GPTBOT')).toBe('ai-training');
    expect(categoryOfToken('NoSuchBot')).toBeNull();
  });
});
