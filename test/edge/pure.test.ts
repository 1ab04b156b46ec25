import { describe, expect, it } from 'vitest';
import { cacheKey, deviceClass, pageUrl, prefixUrl, sitePage } from '../../workers/edge/src/cache-key.ts';
import { parseQueryParams, readConfig, verificationRequired } from '../../workers/edge/src/config.ts';
import { coolsDown } from '../../workers/edge/src/refresh.ts';
import { decideRoute, isHtmlNavigation, pathStartsWith } from '../../workers/edge/src/route.ts';
import { ageOf, cleanSnapshot, freshness, judgeRender, safeLocation, stampSnapshot } from '../../workers/edge/src/snapshot.ts';
import { parseSitemap } from '../../workers/edge/src/sitemap.ts';
import { checkDependency, judgeAnswer, pageVerdict } from '../../workers/edge/src/revalidate.ts';
import { BUILD_SAMPLE, afterSample, buildOf, buildStep, templateOf } from '../../workers/edge/src/build-check.ts';
import { MAX_RENDER_AGE_MS, needsMarking, planEntry } from '../../workers/edge/src/refresh-plan.ts';
import { sendingToken } from '../../workers/edge/src/deps.ts';
import { PERSON, type Identity } from '../../workers/edge/src/identity/identify.ts';
import { readPolicy } from '../../workers/edge/src/policy.ts';
import { ConfigError } from '../../shared/config.ts';
import { parseSiteOrigins } from '../../shared/render/site.ts';
import { env } from 'cloudflare:test';

// The canonical origin first, then aliases of the same site.
const SITE = parseSiteOrigins('https://www.example.com,https://example.com,http://localhost:8787');
const RULES = { site: SITE, queryParams: new Set(['page', 'q', 'tag']) };

describe('pageUrl: the one spelling of a page', () => {
  it.each([
    ['https://WWW.Example.COM/Article/1', 'https://www.example.com/Article/1'],
    ['https://www.example.com:443/a', 'https://www.example.com/a'],
    ['https://www.example.com/a#section', 'https://www.example.com/a'],
    ['https://www.example.com/', 'https://www.example.com/'],
    // An alias origin is the same site, keyed on the canonical origin.
    ['https://example.com/a?page=2', 'https://www.example.com/a?page=2'],
    ['http://localhost:8787/a', 'https://www.example.com/a'],
    // Trailing slashes, as SPA routers match paths.
    ['https://www.example.com/article/2/', 'https://www.example.com/article/2'],
    ['https://www.example.com/article/2///', 'https://www.example.com/article/2'],
    ['https://www.example.com//', 'https://www.example.com/'],
    // Percent-encoded unreserved characters decoded, other escapes upper-cased (RFC 3986 §6.2.2).
    ['https://www.example.com/article/%32', 'https://www.example.com/article/2'],
    ['https://www.example.com/%61rticle/%7e%2D%5f', 'https://www.example.com/article/~-_'],
    ['https://www.example.com/caf%c3%a9', 'https://www.example.com/caf%C3%A9'],
    ['https://www.example.com/café', 'https://www.example.com/caf%C3%A9'],
    ['https://www.example.com/a%2fb', 'https://www.example.com/a%2Fb'],
    ['https://www.example.com/a%20b', 'https://www.example.com/a%20b'],
    // Dot segments, also percent-encoded ones, are resolved by URL parsing.
    ['https://www.example.com/article/./x/../2', 'https://www.example.com/article/2'],
    ['https://www.example.com/article/%2e/x/%2E%2e/2', 'https://www.example.com/article/2'],
    // Duplicate slashes inside the path are another page for an SPA router: kept.
    ['https://www.example.com/article//2', 'https://www.example.com/article//2'],
    // Only the listed parameters, sorted; their values re-encoded one way.
    ['https://www.example.com/a?tag=b&page=2&tag=a', 'https://www.example.com/a?page=2&tag=b&tag=a'],
    ['https://www.example.com/a?utm_source=x&fbclid=f&page=3&id=7', 'https://www.example.com/a?page=3'],
    ['https://www.example.com/a?ref=x&sessionid=1', 'https://www.example.com/a'],
    ['https://www.example.com/a?Page=2', 'https://www.example.com/a'],
    ['https://www.example.com/search?q=caf%c3%a9+au%20lait&page=%32', 'https://www.example.com/search?page=2&q=caf%C3%A9+au+lait'],
    ['https://www.example.com/a?', 'https://www.example.com/a'],
    ['https://www.example.com/a#', 'https://www.example.com/a'],
  ])('%s -> %s', (input, expected) => {
    expect(pageUrl(new URL(input), RULES)).toBe(expected);
  });

  it.each([
    'https://evil.example/a',
    'http://www.example.com/a',
    'https://www.example.com:8443/a',
    'https://www.example.com.evil.example/a',
    'http://localhost:8788/a',
  ])('is null for %s, which is not one of the site origins', (input) => {
    expect(pageUrl(new URL(input), RULES)).toBeNull();
  });

  it('drops every parameter when none is listed', () => {
    expect(pageUrl(new URL('https://www.example.com/a?page=2'), { site: SITE, queryParams: new Set() })).toBe('https://www.example.com/a');
  });

  it('gives the normalised path the route is decided on', () => {
    expect(sitePage(new URL('https://example.com/x%2Ejs/'), RULES)).toEqual({ url: 'https://www.example.com/x.js', pathname: '/x.js' });
  });

  it('normalises a purge prefix the same way but keeps its trailing slash', () => {
    expect(prefixUrl(new URL('http://localhost:8787/%61rticle/?page=2'), SITE)).toBe('https://www.example.com/article/');
    expect(prefixUrl(new URL('https://evil.example/'), SITE)).toBeNull();
  });
});

describe('deviceClass', () => {
  it.each([
    [
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'mobile',
    ],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'desktop'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)', 'mobile'],
    ['facebookexternalhit/1.1', 'desktop'],
    [null, 'desktop'],
  ] as const)('%s -> %s', (ua, device) => {
    expect(deviceClass(ua)).toBe(device);
  });
});

describe('cacheKey', () => {
  it('keys by device and normalised URL, hashing URLs too long for KV', async () => {
    expect((await cacheKey('https://www.example.com/a', 'mobile')).index).toBe('snap:mobile:https://www.example.com/a');
    const long = `https://www.example.com/${'x'.repeat(600)}`;
    const key = await cacheKey(long, 'desktop');
    expect(key.index).toMatch(/^snap:desktop:#[0-9a-f]{64}$/);
    expect(key.url).toBe(long);
  });

  it('counts the 480-byte limit in UTF-8 bytes, not characters', async () => {
    const prefix = 'snap:desktop:';
    const fits = `x${'é'.repeat((480 - prefix.length - 1) / 2)}`; // 2 bytes each: exactly 480
    expect((await cacheKey(fits, 'desktop')).index).toBe(`${prefix}${fits}`);
    expect((await cacheKey(`${fits}x`, 'desktop')).index).toMatch(/^snap:desktop:#/);
    const astral = `${'😀'.repeat(116)}€`; // 4 bytes each (2 UTF-16 units) + 3: 13 + 464 + 3 = 480
    expect((await cacheKey(astral, 'desktop')).index).toBe(`${prefix}${astral}`);
    expect((await cacheKey(`${astral}€`, 'desktop')).index).toMatch(/^snap:desktop:#/);
  });
});

describe('sendingToken (the edge sends one token of a rotation list)', () => {
  it.each([
    ['new-token', 'new-token'],
    ['new-token,old-token', 'new-token'],
    [' new-token , old-token ', 'new-token'],
    ['', undefined],
    [undefined, undefined],
  ])('%s -> %s', (value, expected) => {
    expect(sendingToken(value)).toBe(expected);
  });
});

describe('pathStartsWith (the admin prefix check, without parsing request.url)', () => {
  it.each([
    'http://localhost:8787/__prerender/purge',
    'https://www.example.com/__prerender/recache?x=1',
    'https://www.example.com/__prerender/',
    'https://www.example.com/__prerender',
    'https://www.example.com/__prerender?/',
    'https://www.example.com/__prerender#/',
    'https://www.example.com/a/__prerender/',
    'https://www.example.com/',
    'https://www.example.com',
    'http://[::1]:8787/__prerender/purge',
    'https://user:pa%2Fss@www.example.com/__prerender/purge',
    'https://www.example.com/%5F_prerender/purge',
    'https://www.example.com/./__prerender/purge',
    'https://www.example.com/x/../__prerender/purge',
  ])('%s agrees with new URL().pathname', (raw) => {
    const url = new URL(raw).href; // request.url is always serialised
    expect(pathStartsWith(url, '/__prerender/')).toBe(new URL(url).pathname.startsWith('/__prerender/'));
  });
});

describe('isHtmlNavigation', () => {
  it.each([
    ['GET', '/', true],
    ['GET', '/article/1', true],
    ['HEAD', '/about', true],
    ['GET', '/v1.2/page', true],
    ['POST', '/article/1', false],
    ['GET', '/assets/app.3f9a.js', false],
    ['GET', '/robots.txt', false],
    ['GET', '/sitemap.xml', false],
    ['GET', '/.well-known/security.txt', false],
    ['GET', '/.well-known/openid-configuration', false],
    ['GET', '/api', false],
    ['GET', '/api/feed/home', false],
    ['GET', '/apiary', true],
  ])('%s %s -> %s', (method, path, expected) => {
    expect(isHtmlNavigation(method, path)).toBe(expected);
  });
});

describe('decideRoute', () => {
  const policy = readPolicy(
    'search=render, ai-assistant=render, ai-training=refuse, link-preview=render, archiver=pass-through, seo-tool=cache-only, other=cache-only',
    'search=yes, ai-input=yes, ai-train=no',
  );
  const config = { policy, verifyBots: true, verifyCategories: new Set(['search'] as const) };
  const req = (pathname: string, extra: Partial<{ method: string; onSite: boolean; markdown: boolean }> = {}) => ({
    method: 'GET',
    pathname,
    onSite: true,
    markdown: false,
    ...extra,
  });
  const bot = (category: Identity['category'], verified = false, signatureRejected = false): Identity => ({
    bot: true,
    category,
    name: 'x',
    verified,
    evidence: verified ? 'cloudflare' : 'user-agent',
    signatureRejected,
  });
  const person = PERSON;

  it.each([
    ['a person', req('/a'), person, { kind: 'human' }],
    [
      'a person asking for Markdown',
      req('/a', { markdown: true }),
      person,
      { kind: 'prerender', format: 'markdown', mayRender: false, reason: 'person-markdown' },
    ],
    ['a person asking for a file as Markdown', req('/app.js', { markdown: true }), person, { kind: 'human' }],
    [
      'verified search bot',
      req('/a'),
      bot('search', true),
      { kind: 'prerender', format: 'html', mayRender: true, reason: 'render-category' },
    ],
    ['spoofed search bot', req('/a'), bot('search', false), { kind: 'prerender', format: 'html', mayRender: false, reason: 'unverified' }],
    [
      'verified search bot whose signature failed',
      req('/a'),
      bot('search', true, true),
      { kind: 'prerender', format: 'html', mayRender: false, reason: 'signature-rejected' },
    ],
    [
      'link preview (no verification asked)',
      req('/a'),
      bot('link-preview'),
      { kind: 'prerender', format: 'html', mayRender: true, reason: 'render-category' },
    ],
    [
      'AI assistant asking for Markdown',
      req('/a', { markdown: true }),
      bot('ai-assistant'),
      { kind: 'prerender', format: 'markdown', mayRender: true, reason: 'render-category' },
    ],
    [
      'cache-only category',
      req('/a'),
      bot('seo-tool'),
      { kind: 'prerender', format: 'html', mayRender: false, reason: 'cache-only-category' },
    ],
    ['pass-through category', req('/a'), bot('archiver'), { kind: 'bypass', reason: 'pass-through-category' }],
    [
      'pass-through category asking for Markdown',
      req('/a', { markdown: true }),
      bot('archiver'),
      { kind: 'prerender', format: 'markdown', mayRender: false, reason: 'pass-through-category' },
    ],
    ['refused category, a page', req('/a'), bot('ai-training'), { kind: 'refuse', reason: 'ai-training-refused' }],
    ['refused category, a file', req('/assets/app.js'), bot('ai-training'), { kind: 'refuse', reason: 'ai-training-refused' }],
    ['bot asset', req('/assets/app.js'), bot('search', true), { kind: 'bypass', reason: 'not-navigation' }],
    ['bot API call', req('/api/feed'), bot('search', true), { kind: 'bypass', reason: 'not-navigation' }],
    ['bot POST', req('/a', { method: 'POST' }), bot('search', true), { kind: 'bypass', reason: 'not-navigation' }],
    ['bot on a foreign host', req('/a', { onSite: false }), bot('search', true), { kind: 'bypass', reason: 'not-site-origin' }],
  ] as const)('%s', (_label, request, identity, expected) => {
    expect(decideRoute(request, identity, config)).toEqual(expected);
  });

  it('lets unverified crawlers render when verification is off (local)', () => {
    expect(decideRoute(req('/a'), bot('search'), { ...config, verifyBots: false })).toMatchObject({ mayRender: true });
  });
});

describe('judgeRender and safeLocation (real status codes, no open redirect)', () => {
  const page = 'https://www.example.com/old-about';
  it.each([
    ['/about', 'https://www.example.com/about'],
    ['about?x=1', 'https://www.example.com/about?x=1'],
    ['https://www.example.com/new', 'https://www.example.com/new'],
    // Another origin of the same site: same-site, given on the canonical origin.
    ['http://localhost:8787/new', 'https://www.example.com/new'],
    ['https://example.com/new#top', 'https://www.example.com/new#top'],
    ['http://localhost:8787//evil.example/x', 'https://www.example.com//evil.example/x'],
    ['https://evil.example/', null],
    ['//evil.example/x', null],
    ['javascript:alert(1)', null],
    ['http://localhost:8788/about', null],
    ['http://www.example.com/about', null],
  ])('Location %s -> %s', (location, expected) => {
    expect(safeLocation(location, page, SITE)).toBe(expected);
  });

  it.each([
    [
      { status: 200, headers: { 'X-Robots-Tag': 'noindex', 'Set-Cookie': 'a=1' } },
      { kind: 'store', status: 200, headers: { 'x-robots-tag': 'noindex' } },
    ],
    [
      { status: 404, headers: {} },
      { kind: 'store', status: 404, headers: {} },
    ],
    [
      { status: 301, headers: { Location: '/about' } },
      { kind: 'store', status: 301, headers: { location: 'https://www.example.com/about' } },
    ],
    [
      { status: 302, headers: { location: 'https://evil.example/' } },
      { kind: 'reject', reason: 'off-site-location' },
    ],
    [
      { status: 301, headers: {} },
      { kind: 'reject', reason: 'redirect-without-location' },
    ],
    [
      { status: 503, headers: {} },
      { kind: 'serve-only', status: 503, headers: {} },
    ],
    [
      { status: 403, headers: {} },
      { kind: 'serve-only', status: 403, headers: {} },
    ],
    [
      { status: 200, headers: { Link: 'a\r\nSet-Cookie: x' } },
      { kind: 'store', status: 200, headers: {} },
    ],
  ])('%j -> %j', (render, verdict) => {
    expect(judgeRender(render, page, SITE)).toEqual(verdict);
  });
});

describe('freshness and age', () => {
  const config = { freshSeconds: 100, errorFreshSeconds: 10, staleSeconds: 1000 };
  it('gives pages a long life and 404/301 a short one', () => {
    expect(freshness(200, 0, config)).toEqual({ freshUntil: 100_000, staleUntil: 1_100_000 });
    expect(freshness(404, 0, config)).toEqual({ freshUntil: 10_000, staleUntil: 20_000 });
  });
  it.each([
    [50_000, 'fresh'],
    [100_000, 'stale'],
    [1_099_999, 'stale'],
    [1_100_000, 'expired'],
  ] as const)('at %d ms -> %s', (now, age) => {
    expect(ageOf({ freshUntil: 100_000, staleUntil: 1_100_000 }, now)).toBe(age);
  });
});

describe('cleanSnapshot', () => {
  it('removes scripts and module preloads but keeps JSON-LD, and says when it was rendered', async () => {
    const html = stampSnapshot(
      await cleanSnapshot(
        '<html><head><link rel="modulepreload" href="/c.js"><script type="module" src="/a.js"></script>' +
          '<script type="application/ld+json">{"@type":"Article"}</script><script TYPE="Application/LD+JSON">{}</script></head>' +
          '<body><h1>Hi</h1><script>alert(1)</script><noscript>n</noscript></body></html>',
      ),
      '2026-11-23T10:00:00.000Z',
    );
    expect(html).not.toContain('/a.js');
    expect(html).not.toContain('alert(1)');
    expect(html).not.toContain('modulepreload');
    expect(html).toContain('<script type="application/ld+json">{"@type":"Article"}</script>');
    expect(html).toContain('<script TYPE="Application/LD+JSON">{}</script>');
    expect(html).toContain('<h1>Hi</h1>');
    expect(html).toContain('<!-- prerendered by edge at 2026-11-23T10:00:00.000Z -->');
  });
});

describe('parseSitemap', () => {
  it('reads url sets and sitemap indexes, decoding entities', () => {
    expect(
      parseSitemap('<urlset><url><loc> https://a.test/x?a=1&amp;b=2 </loc></url><url><loc>https://a.test/y</loc></url></urlset>'),
    ).toEqual({
      kind: 'urlset',
      locs: ['https://a.test/x?a=1&b=2', 'https://a.test/y'],
      lastmod: new Map(),
    });
    expect(parseSitemap('<sitemapindex><sitemap><loc>https://a.test/s1.xml</loc></sitemap></sitemapindex>').kind).toBe('index');
  });
});

describe('parseSitemap: <lastmod>', () => {
  it("reads each url's lastmod (W3C datetime or date) and skips invalid ones", () => {
    const xml = [
      '<urlset><url><loc>https://a.test/x?a=1&amp;b=2</loc><lastmod>2026-11-30T10:00:00+00:00</lastmod></url>',
      '<url><loc>https://a.test/y</loc><lastmod>2026-11-29</lastmod></url>',
      '<url><loc>https://a.test/z</loc><lastmod>yesterday</lastmod></url></urlset>',
    ].join('');
    expect(parseSitemap(xml).lastmod).toEqual(
      new Map([
        ['https://a.test/x?a=1&b=2', Date.UTC(2026, 10, 30, 10)],
        ['https://a.test/y', Date.UTC(2026, 10, 29)],
      ]),
    );
  });
});

describe('coolsDown: which render outcomes hold a key back from crawler renders', () => {
  it.each([
    [{ kind: 'failed', reason: 'timeout' }, true],
    [{ kind: 'failed', reason: 'off-site-location' }, true],
    [{ kind: 'serve-only', url: '', status: 503, headers: {}, renderedAt: '', body: '', markdown: null }, true],
    [{ kind: 'failed', reason: 'budget' }, false],
  ] as const)('%j -> %s', (outcome, expected) => {
    expect(coolsDown(outcome)).toBe(expected);
  });
});

describe('config', () => {
  const local = parseSiteOrigins('http://localhost:8787,http://127.0.0.1:8787,http://[::1]:8787');
  it('honours VERIFY_BOTS=false only while every site origin is local', () => {
    expect(verificationRequired('false', local)).toBe(false);
    expect(verificationRequired('false', parseSiteOrigins('http://localhost:8787,https://www.example.com'))).toBe(true);
    expect(verificationRequired('true', local)).toBe(true);
    expect(verificationRequired(undefined, local)).toBe(true);
  });

  it('reads CACHE_QUERY_PARAMS, defaulting to the documented list', () => {
    expect([...parseQueryParams(' page , sort ')]).toEqual(['page', 'sort']);
    expect([...parseQueryParams(undefined)]).toEqual(['page', 'q', 'lang']);
    expect([...parseQueryParams('')]).toEqual([]);
    expect(() => parseQueryParams('page q')).toThrow(ConfigError);
    expect(() => parseQueryParams('page=2')).toThrow(/^CACHE_QUERY_PARAMS: "page=2"/);
  });

  it('reads the wrangler.toml values and names the var at fault', () => {
    const config = readConfig(env);
    expect(config.site).toEqual(local);
    expect([...config.queryParams]).toEqual(['page', 'q', 'lang']);
    expect(config.verifyBots).toBe(false);
    expect(config.policy.search.action).toBe('render');
    expect(config.policy['ai-training']).toEqual({
      action: 'refuse',
      signals: { search: true, 'ai-input': true, 'ai-train': false },
      contentSignal: 'search=yes, ai-input=yes, ai-train=no',
    });
    expect(() => readConfig({ ...env, FRESH_SECONDS: 'soon' } as unknown as EdgeEnv)).toThrow(
      /^FRESH_SECONDS: Invalid input: expected number/,
    );
    expect(() => readConfig({ ...env, VERIFY_CATEGORIES: 'search,robots' } as unknown as EdgeEnv)).toThrow(/VERIFY_CATEGORIES/);
    expect(() => readConfig({ ...env, RENDER_SERVICE_URL: 'file:///etc' } as unknown as EdgeEnv)).toThrow(/RENDER_SERVICE_URL/);
  });
});

describe('refresh decisions', () => {
  const dep = { url: 'http://localhost:8793/_content/article/1', etag: '"v1"' };
  it.each([
    ['304', dep, 304, {}, null, 'unchanged'],
    ['200 with the same ETag (conditional request ignored)', dep, 200, { ETag: '"v1"' }, null, 'unchanged'],
    ['200 with another ETag', dep, 200, { ETag: '"v2"' }, null, 'changed'],
    ['404: the data is gone', dep, 404, {}, null, 'changed'],
    ['301', dep, 301, {}, null, 'changed'],
    ['503: could not check', dep, 503, {}, null, 'unchecked'],
    ['a hash, equal', { url: dep.url, hash: 'a'.repeat(64) }, 200, {}, 'a'.repeat(64), 'unchanged'],
    ['a hash, different', { url: dep.url, hash: 'a'.repeat(64) }, 200, {}, 'b'.repeat(64), 'changed'],
    [
      'Last-Modified, equal',
      { url: dep.url, lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT' },
      200,
      { 'Last-Modified': 'Mon, 30 Nov 2026 10:00:00 GMT' },
      null,
      'unchanged',
    ],
  ] as const)('judgeAnswer: %s', (_, dependency, status, headers, hash, verdict) => {
    expect(judgeAnswer(dependency, status, new Headers(headers), hash)).toBe(verdict);
  });

  it.each([
    [['unchanged', 'unchanged'], 'unchanged'],
    [['unchanged', 'unchecked'], 'unchecked'],
    [['unchecked', 'changed'], 'changed'],
    [[], 'unchanged'],
  ] as const)('pageVerdict(%j) is %s', (checks, verdict) => {
    expect(pageVerdict(checks)).toBe(verdict);
  });

  const now = Date.UTC(2026, 10, 30);
  const at = (ms: number) => new Date(ms).toISOString();
  it.each([
    [{ deps: 2, freshUntil: now + 1, staleUntil: now + 2, renderedAt: at(now - 1000) }, 'revalidate'],
    [{ deps: 2, freshUntil: now + 1, staleUntil: now + 2, renderedAt: at(now - MAX_RENDER_AGE_MS) }, 'render'],
    [{ deps: 0, freshUntil: now + 1, staleUntil: now + 2, renderedAt: at(now) }, 'current'],
    [{ freshUntil: now - 1, staleUntil: now + 2, renderedAt: at(now) }, 'render'],
    [{ deps: 0, freshUntil: now - 2, staleUntil: now - 1, renderedAt: at(now) }, 'render'],
  ])('planEntry(%j) is %s', (metadata, plan) => {
    expect(planEntry(metadata, now)).toBe(plan);
  });

  it('never fetches a recorded URL outside the allowed origins', async () => {
    const origins = new Set(['http://localhost:8793']);
    const refuse = () => Promise.reject(new Error('must not fetch'));
    expect(await checkDependency({ url: 'http://169.254.169.254/latest', etag: '"x"' }, origins, refuse)).toBe('unchecked');
    expect(await checkDependency({ url: 'http://u:p@localhost:8793/a', etag: '"x"' }, origins, refuse)).toBe('unchecked');
  });

  it('marks an unchanged page current only when less than half its freshness is left', () => {
    expect(needsMarking({ freshUntil: now + 4 * 86_400_000 }, now, 7 * 86_400)).toBe(false);
    expect(needsMarking({ freshUntil: now + 3 * 86_400_000 }, now, 7 * 86_400)).toBe(true);
  });
});

describe('build check', () => {
  it('names a build by its module scripts, whatever else the page loads', () => {
    const page = (src: string) =>
      `<html><head><script type="module" crossorigin src="${src}"></script><link rel="stylesheet" href="/assets/a.css"></head><body><script>1</script></body></html>`;
    expect(buildOf(page('/assets/index-abc.js'))).toBe('/assets/index-abc.js');
    expect(buildOf(page('/assets/index-abc.js'))).not.toBe(buildOf(page('/assets/index-def.js')));
    expect(buildOf('<html><body><script src="/legacy.js"></script></body></html>')).toBeNull();
  });

  it.each([
    ['http://localhost:8787/article/12', 'article'],
    ['http://localhost:8787/', '/'],
    ['http://localhost:8787/about', 'about'],
  ])('templateOf(%s) is %s', (url, template) => {
    expect(templateOf(url)).toBe(template);
  });

  it('samples a template first, then marks its pages current or renders them', () => {
    expect(buildStep(undefined)).toBe('sample');
    let verdict = afterSample(undefined, 'h1', 'h1');
    expect(buildStep(verdict)).toBe(BUILD_SAMPLE > 1 ? 'sample' : 'mark-current');
    for (let i = 1; i < BUILD_SAMPLE; i++) verdict = afterSample(verdict, 'h2', 'h2');
    expect(buildStep(verdict)).toBe('mark-current');
    expect(buildStep(afterSample({ sampled: BUILD_SAMPLE - 1, changed: false }, 'h1', 'h9'))).toBe('render');
    expect(afterSample(undefined, null, 'h1').changed).toBe(true); // no hash to compare: changed
  });
});
