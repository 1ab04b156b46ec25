import { describe, expect, it } from 'vitest';
import { MAX_DEPENDENCY_URL_LENGTH } from '../../shared/render/protocol.ts';
import { judgeDependency } from '../../workers/renderer/src/dependencies.ts';
import { originPolicy } from '../../workers/renderer/src/url-policy.ts';

const policy = originPolicy('https://www.example.com,https://example.com', 'https://api.example.com');
const data = { status: 200, method: 'GET', resourceType: 'fetch', requestHeaders: {} };

describe('judgeDependency', () => {
  it.each([
    ['a same-site fetch', { url: 'https://www.example.com/api/article/1' }, { record: true, url: 'https://www.example.com/api/article/1' }],
    [
      'an XHR to another of the site origins',
      { url: 'https://example.com/a.json', resourceType: 'xhr' },
      { record: true, url: 'https://example.com/a.json' },
    ],
    ['the allowed API', { url: 'https://api.example.com/items?page=2' }, { record: true, url: 'https://api.example.com/items?page=2' }],
    ['a fragment is dropped', { url: 'https://www.example.com/a.json#x' }, { record: true, url: 'https://www.example.com/a.json' }],
    ['a script', { url: 'https://www.example.com/app.js', resourceType: 'script' }, { record: false, reason: 'not-data' }],
    ['a POST', { url: 'https://www.example.com/api/log', method: 'POST' }, { record: false, reason: 'not-data' }],
    ['a third-party origin', { url: 'https://tracker.example.net/t.json' }, { record: false, reason: 'foreign' }],
    ['a 500', { url: 'https://www.example.com/a.json', status: 500 }, { record: false, reason: 'unrecordable' }],
    ['a query naming a user', { url: 'https://www.example.com/feed?user=alice' }, { record: false, reason: 'unrecordable' }],
    ['a query carrying a token', { url: 'https://www.example.com/feed?Token=abc' }, { record: false, reason: 'unrecordable' }],
    ['credentials in the URL', { url: 'https://u:p@www.example.com/a.json' }, { record: false, reason: 'unrecordable' }],
    [
      'an Authorization header',
      { url: 'https://www.example.com/a.json', requestHeaders: { Authorization: 'Bearer x' } },
      { record: false, reason: 'unrecordable' },
    ],
    ['a cookie', { url: 'https://www.example.com/a.json', requestHeaders: { cookie: 'a=b' } }, { record: false, reason: 'unrecordable' }],
    [
      'a URL over the length limit',
      { url: `https://www.example.com/${'a'.repeat(MAX_DEPENDENCY_URL_LENGTH)}` },
      { record: false, reason: 'unrecordable' },
    ],
  ])('%s', (_, over, verdict) => {
    expect(judgeDependency({ ...data, ...over }, policy)).toEqual(verdict);
  });
});
