import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, parsePrerenderMetas } from '../../workers/renderer/src/prerender-meta.ts';

const html = (head: string, body = '') => `<html><head>${head}</head><body>${body}</body></html>`;

describe('parsePrerenderMetas', () => {
  it.each([
    ['no metas', html('<meta charset="utf-8">'), null, {}],
    ['a status', html('<meta name="prerender-status-code" content="404">'), 404, {}],
    ['single quotes, upper case, spaces', html("<META NAME='Prerender-Status-Code' CONTENT=' 410 '>"), 410, {}],
    ['content before name', html('<meta content="503" name="prerender-status-code">'), 503, {}],
    [
      'the first status wins',
      html('<meta name="prerender-status-code" content="301"><meta name="prerender-status-code" content="404">'),
      301,
      {},
    ],
    [
      'a status out of range is ignored',
      html('<meta name="prerender-status-code" content="99"><meta name="prerender-status-code" content="700">'),
      null,
      {},
    ],
    ['a non-numeric status is ignored', html('<meta name="prerender-status-code" content="404abc">'), null, {}],
    ['a 1xx is ignored', html('<meta name="prerender-status-code" content="101">'), null, {}],
    [
      'a redirect with Location',
      html('<meta name="prerender-status-code" content="301"><meta name="prerender-header" content="Location: /about">'),
      301,
      { Location: '/about' },
    ],
    [
      'a header value with a colon',
      html('<meta name="prerender-header" content="location:https://example.com/x?a=1">'),
      null,
      { Location: 'https://example.com/x?a=1' },
    ],
    [
      'entities in content are decoded',
      html('<meta name="prerender-header" content="Location: /a?x=1&amp;y=2">'),
      null,
      { Location: '/a?x=1&y=2' },
    ],
    [
      'repeated headers are joined',
      html(
        '<meta name="prerender-header" content="Link: </a>; rel=preload"><meta name="prerender-header" content="link: </b>; rel=preload">',
      ),
      null,
      { Link: '</a>; rel=preload, </b>; rel=preload' },
    ],
    [
      'forbidden headers are dropped',
      html(
        '<meta name="prerender-header" content="Set-Cookie: s=1"><meta name="prerender-header" content="Content-Length: 1"><meta name="prerender-header" content="X-Prerender: HIT"><meta name="prerender-header" content="X-Robots-Tag: noindex">',
      ),
      null,
      { 'X-Robots-Tag': 'noindex' },
    ],
    [
      'malformed header lines are dropped',
      html(
        '<meta name="prerender-header" content="no colon"><meta name="prerender-header" content=": value"><meta name="prerender-header" content="Bad Name: x"><meta name="prerender-header" content="Empty:">',
      ),
      null,
      {},
    ],
    [
      'a meta in a script is not a meta',
      html('', '<script>const s = \'<meta name="prerender-status-code" content="500">\';</script>'),
      null,
      {},
    ],
    ['a meta in a comment is not a meta', html('<!-- <meta name="prerender-status-code" content="500"> -->'), null, {}],
    [
      'a meta in a template or noscript is not a meta',
      html(
        '',
        '<template><meta name="prerender-status-code" content="500"></template><noscript><meta name="prerender-status-code" content="500"></noscript>',
      ),
      null,
      {},
    ],
    ['a meta in the body counts', html('', '<div><meta name="prerender-status-code" content="404"></div>'), 404, {}],
    [
      'other metas are ignored',
      html('<meta name="description" content="prerender-status-code: 500"><meta property="prerender-status-code" content="500">'),
      null,
      {},
    ],
  ])('%s', (_, input, status, headers) => {
    expect(parsePrerenderMetas(input)).toEqual({ status, headers });
  });
});

describe('canonicalHeaderName', () => {
  it.each([
    ['location', 'Location'],
    ['X-ROBOTS-TAG', 'X-Robots-Tag'],
    ['cache-control', 'Cache-Control'],
  ])('%s -> %s', (name, canonical) => expect(canonicalHeaderName(name)).toBe(canonical));
});
