import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.ts';
import { canonicalUrl, parseOriginList, parseSiteOrigins, siteUrl } from '../../shared/render/site.ts';

describe('parseSiteOrigins', () => {
  it('normalises origins, the first being canonical', () => {
    const site = parseSiteOrigins(' HTTP://LocalHost:8787/ , http://127.0.0.1:8787/path , http://[::1]:8787 ');
    expect(site.canonical).toBe('http://localhost:8787');
    expect([...site.all]).toEqual(['http://localhost:8787', 'http://127.0.0.1:8787', 'http://[::1]:8787']);
    expect(parseSiteOrigins('https://example.com:443').canonical).toBe('https://example.com');
  });

  it.each([
    ['ftp://example.com', /^SITE_ORIGINS: "ftp:\/\/example.com" is not an http\(s\) origin$/],
    ['not a url', /SITE_ORIGINS: "not a url"/],
    ['', /^SITE_ORIGINS: at least one origin is required$/],
    [undefined, /SITE_ORIGINS/],
  ])('refuses %j with a ConfigError naming the var', (value, message) => {
    expect(() => parseSiteOrigins(value)).toThrow(ConfigError);
    expect(() => parseSiteOrigins(value)).toThrow(message);
  });

  it('names the var it was given', () => {
    expect(() => parseOriginList('javascript:alert(1)', 'RENDER_ALLOWED_ORIGINS')).toThrow(/^RENDER_ALLOWED_ORIGINS:/);
    expect(parseOriginList('', 'RENDER_ALLOWED_ORIGINS')).toEqual([]);
  });
});

describe('canonicalUrl and siteUrl: any listed origin is the site, on the canonical origin', () => {
  const site = parseSiteOrigins('http://localhost:8787,http://127.0.0.1:8787,http://[::1]:8787');

  it.each([
    ['http://localhost:8787/article/1?page=2#top', 'http://localhost:8787/article/1?page=2#top'],
    ['http://127.0.0.1:8787/article/1?page=2#top', 'http://localhost:8787/article/1?page=2#top'],
    ['http://[::1]:8787/article/1', 'http://localhost:8787/article/1'],
    ['http://LOCALHOST:8787/', 'http://localhost:8787/'],
    ['http://127.0.0.2:8787/article/1', null],
    ['http://localhost:8788/article/1', null],
    ['https://localhost:8787/article/1', null],
    ['http://[::2]:8787/', null],
    // A path that looks like an authority stays a path of the canonical origin.
    ['http://127.0.0.1:8787//evil.example/x', 'http://localhost:8787//evil.example/x'],
    ['http://127.0.0.1:8787/\\evil.example/x', 'http://localhost:8787//evil.example/x'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalUrl(new URL(input), site)?.href ?? null).toBe(expected);
    expect(siteUrl(input, site)?.href ?? null).toBe(expected);
  });

  it('resolves a relative reference against a base, and refuses what is not a URL', () => {
    expect(siteUrl('/about', site, 'http://[::1]:8787/old')?.href).toBe('http://localhost:8787/about');
    expect(siteUrl('javascript:alert(1)', site, 'http://localhost:8787/')).toBeNull();
    expect(siteUrl('not a url', site)).toBeNull();
  });
});
