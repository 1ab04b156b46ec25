import { describe, expect, it } from 'vitest';
import { DeadlineExceeded, renderFailure, withDeadline } from '../../workers/renderer/src/render-errors.ts';
import { metaPairsFromHtml } from '../../workers/renderer/src/prerender-meta.ts';
import { pageAnswer, safeLocation, type PageSnapshot } from '../../workers/renderer/src/render-result.ts';
import { HttpError } from '../../shared/http/errors.ts';

const pageUrl = new URL('https://www.example.com/blog/post');
// The metas a live DOM would report for this HTML (the render reads them from the DOM).
const snapshot = (over: Partial<PageSnapshot>): PageSnapshot => {
  const html = over.html ?? '<html><head></head><body>x</body></html>';
  return { html, markdown: null, httpStatus: 200, redirect: null, metas: metaPairsFromHtml(html), dependencies: null, ...over };
};
const meta = (name: string, content: string) => `<html><head><meta name="${name}" content="${content}"></head><body></body></html>`;

describe('pageAnswer', () => {
  it.each([
    ['a plain page', snapshot({}), 200, {}],
    ['no HTTP response (e.g. about:blank)', snapshot({ httpStatus: null }), 200, {}],
    ['the server said 404', snapshot({ httpStatus: 404 }), 404, {}],
    ['a 304 revalidation is the cached 200', snapshot({ httpStatus: 304 }), 200, {}],
    ['the meta overrides the HTTP status', snapshot({ html: meta('prerender-status-code', '410'), httpStatus: 200 }), 410, {}],
    [
      'a relative Location is resolved against the page',
      snapshot({ html: meta('prerender-header', 'Location: ../about') }),
      200,
      { Location: 'https://www.example.com/about' },
    ],
    ['a javascript: Location is dropped', snapshot({ html: meta('prerender-header', 'Location: javascript:alert(1)') }), 200, {}],
    [
      'a server redirect wins',
      snapshot({ html: '', httpStatus: null, redirect: { status: 308, location: '/new' } }),
      308,
      { Location: 'https://www.example.com/new' },
    ],
    ['a server redirect without Location', snapshot({ html: '', httpStatus: null, redirect: { status: 301, location: null } }), 301, {}],
    // What a pre-138 Chromium serialises for user text in an attribute: meta-like markup, unescaped.
    // The DOM reported no meta element, so the markup is not obeyed.
    [
      'meta-like text in serialised HTML is not a meta',
      snapshot({
        html: '<div title="<meta name=prerender-status-code content=404><meta name=prerender-header content=\'X-Robots-Tag: noindex\'>">x</div>',
        metas: [],
      }),
      200,
      {},
    ],
  ])('%s', (_, input, status, headers) => {
    const answer = pageAnswer(input, pageUrl);
    expect(answer.status).toBe(status);
    expect(answer.headers).toEqual(headers);
  });
});

describe('safeLocation', () => {
  it.each([
    ['/about', 'https://www.example.com/about'],
    ['https://other.example/x', 'https://other.example/x'],
    ['//other.example/x', 'https://other.example/x'],
    ['  /padded  ', 'https://www.example.com/padded'],
    ['javascript:alert(1)', null],
    ['data:text/html,hi', null],
    ['https://u:p@other.example/', null],
    ['', null],
    [null, null],
  ])('%j -> %j', (value, location) => expect(safeLocation(value, pageUrl)).toBe(location));
});

describe('renderFailure', () => {
  const timeout = Object.assign(new Error('Navigation timeout of 100 ms exceeded'), { name: 'TimeoutError' });
  it.each([
    ['a deadline', new DeadlineExceeded('late'), 504, 'render_timeout'],
    ["puppeteer's TimeoutError", timeout, 504, 'render_timeout'],
    ['a refused connection', new Error('net::ERR_CONNECTION_REFUSED at http://localhost:1/'), 502, 'page_load_failed'],
    ['a crashed target', new Error('Protocol error: Target closed'), 502, 'render_failed'],
    ['an HttpError as it is', new HttpError(503, 'browser_unavailable', 'busy'), 503, 'browser_unavailable'],
  ])('%s -> %i', (_, error, status, code) => {
    const failure = renderFailure(error, 100);
    expect([failure.status, failure.code]).toEqual([status, code]);
  });
});

describe('withDeadline', () => {
  it('passes a result that comes in time', async () => {
    await expect(withDeadline(Promise.resolve('done'), 1000)).resolves.toBe('done');
  });
  it('rejects with DeadlineExceeded when the work is late', async () => {
    await expect(withDeadline(new Promise(() => {}), 10)).rejects.toBeInstanceOf(DeadlineExceeded);
  });
});
