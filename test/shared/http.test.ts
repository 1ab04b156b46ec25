import { describe, expect, it } from 'vitest';
import { bearerToken, parseTokenList, tokenMatches } from '../../shared/http/auth.ts';
import { HttpError, errorToResponse, methodNotAllowed, tooManyRequests } from '../../shared/http/errors.ts';

describe('HttpError', () => {
  it('answers its status with a JSON body naming the field', async () => {
    const response = new HttpError(400, 'invalid_url', 'url must be http or https', { field: 'url' }).toResponse();
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      error: { code: 'invalid_url', message: 'url must be http or https', field: 'url' },
    });
  });

  it('carries Allow on 405 and Retry-After on 429', () => {
    expect(methodNotAllowed(['GET', 'HEAD']).toResponse().headers.get('Allow')).toBe('GET, HEAD');
    expect(tooManyRequests(2.2).toResponse().headers.get('Retry-After')).toBe('3');
  });

  it('turns unknown errors into a 500 that leaks nothing', async () => {
    const response = errorToResponse(new TypeError('secret detail'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret detail');
  });
});

describe('bearer tokens', () => {
  it.each([
    ['Bearer dev-token', 'dev-token'],
    ['bearer   dev-token', 'dev-token'],
    ['Basic dev-token', null],
    ['Bearer', null],
    ['Bearer two words', null],
  ])('%s -> %s', (header, expected) => {
    expect(bearerToken(new Request('http://x/', { headers: { Authorization: header } }))).toBe(expected);
  });

  it('matches only a listed, non-empty token', async () => {
    const tokens = parseTokenList(' dev-token, ,other ');
    expect(tokens).toEqual(['dev-token', 'other']);
    expect(await tokenMatches('dev-token', tokens)).toBe(true);
    expect(await tokenMatches('other', tokens)).toBe(true);
    expect(await tokenMatches('dev-toke', tokens)).toBe(false);
    expect(await tokenMatches('', [''])).toBe(false);
  });
});
