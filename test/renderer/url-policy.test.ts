import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.ts';
import {
  checkRenderTarget,
  decideRequest,
  originPolicy,
  type PageRequest,
  type RequestDecision,
} from '../../workers/renderer/src/url-policy.ts';

// The canonical origin first, then an alias of the same site.
const policy = originPolicy('https://www.example.com, http://localhost:8787', 'https://api.example.com');

describe('originPolicy', () => {
  it('reads the site origins (first canonical) and the allowed origins', () => {
    expect(policy.site.canonical).toBe('https://www.example.com');
    expect([...policy.site.all]).toEqual(['https://www.example.com', 'http://localhost:8787']);
    expect([...policy.allowedOrigins]).toEqual(['https://api.example.com']);
  });

  it.each([
    ['', '', /^SITE_ORIGINS:/],
    ['ftp://example.com', '', /^SITE_ORIGINS:/],
    ['https://www.example.com', 'javascript:alert(1)', /^RENDER_ALLOWED_ORIGINS:/],
  ])('refuses SITE_ORIGINS %j / RENDER_ALLOWED_ORIGINS %j with a ConfigError naming the var', (site, allowed, message) => {
    expect(() => originPolicy(site, allowed)).toThrow(ConfigError);
    expect(() => originPolicy(site, allowed)).toThrow(message);
  });
});

describe('checkRenderTarget', () => {
  it.each([
    ['https://www.example.com/article/1?b=2#top', 'https://www.example.com/article/1?b=2'],
    ['https://WWW.EXAMPLE.COM:443/', 'https://www.example.com/'],
    // Another origin of the same site: rendered on the canonical one.
    ['http://localhost:8787/about?page=2#top', 'https://www.example.com/about?page=2'],
    ['http://localhost:8787//evil.example/x', 'https://www.example.com//evil.example/x'],
  ])('renders %s as %s', (raw, href) => {
    const verdict = checkRenderTarget(raw, policy);
    expect(verdict.ok && verdict.url.href).toBe(href);
  });

  it.each([
    ['/article/1', 400, 'absolute'],
    ['file:///etc/passwd', 400, 'http or https'],
    ['javascript:alert(1)', 400, 'http or https'],
    ['https://user:pw@www.example.com/', 400, 'credentials'],
    ['https://www.example.com@evil.example/', 400, 'credentials'],
    ['https://evil.example/', 403, 'not one of'],
    ['http://www.example.com/', 403, 'not one of'],
    ['https://www.example.com:8443/', 403, 'not one of'],
    ['http://127.0.0.1:8787/', 403, 'not one of'],
    ['http://169.254.169.254/latest/meta-data/', 403, 'not one of'],
    ['https://api.example.com/', 403, 'not one of'],
  ])('refuses %s with %i', (raw, status, message) => {
    const verdict = checkRenderTarget(raw, policy);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.status).toBe(status);
      expect(verdict.message).toContain(message);
    }
  });
});

describe('decideRequest', () => {
  const request = (url: string, resourceType = 'script', extra: Partial<PageRequest> = {}): PageRequest => ({
    url,
    resourceType,
    isMainFrameNavigation: false,
    isRedirect: false,
    ...extra,
  });
  const cases: Array<[string, PageRequest, RequestDecision]> = [
    [
      'the page itself, marked',
      request('https://www.example.com/a', 'document', { isMainFrameNavigation: true }),
      { action: 'continue', marker: true },
    ],
    ['a site script, marked', request('https://www.example.com/app.js'), { action: 'continue', marker: true }],
    ['the allowed API, unmarked', request('https://api.example.com/feed', 'fetch'), { action: 'continue', marker: false }],
    ['another site', request('https://cdn.other.example/x.js'), { action: 'abort', reason: 'origin' }],
    ['a private address', request('http://10.0.0.1/admin', 'xhr'), { action: 'abort', reason: 'origin' }],
    ['cloud metadata', request('http://169.254.169.254/latest/meta-data/', 'fetch'), { action: 'abort', reason: 'origin' }],
    ['an image of the site', request('https://www.example.com/logo.png', 'image'), { action: 'abort', reason: 'resource-type' }],
    ['a font', request('https://www.example.com/f.woff2', 'font'), { action: 'abort', reason: 'resource-type' }],
    ['a video', request('https://www.example.com/v.mp4', 'media'), { action: 'abort', reason: 'resource-type' }],
    ['a stylesheet of the site', request('https://www.example.com/app.css', 'stylesheet'), { action: 'continue', marker: true }],
    ['an inline data: script', request('data:text/javascript,1'), { action: 'continue', marker: false }],
    ['a data: image', request('data:image/png;base64,AA==', 'image'), { action: 'abort', reason: 'resource-type' }],
    ['a file: URL', request('file:///etc/passwd', 'fetch'), { action: 'abort', reason: 'scheme' }],
    ['credentials in a URL', request('https://u:p@www.example.com/', 'fetch'), { action: 'abort', reason: 'credentials' }],
    [
      'a redirect of the page',
      request('https://www.example.com/new', 'document', { isMainFrameNavigation: true, isRedirect: true }),
      { action: 'stop-redirect' },
    ],
    [
      'a redirect of the page off-site',
      request('https://evil.example/', 'document', { isMainFrameNavigation: true, isRedirect: true }),
      { action: 'stop-redirect' },
    ],
    [
      'a subresource redirected off-site',
      request('https://evil.example/', 'fetch', { isRedirect: true }),
      { action: 'abort', reason: 'origin' },
    ],
    [
      'an iframe off-site',
      request('https://evil.example/', 'document', { isMainFrameNavigation: false }),
      { action: 'abort', reason: 'origin' },
    ],
  ];
  it.each(cases)('%s', (_, input, decision) => {
    expect(decideRequest(input, policy)).toEqual(decision);
  });
});
