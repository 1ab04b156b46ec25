import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import * as z from 'zod/mini';
import { bearerToken, requireBearer, tokenMatches } from '../../shared/http/auth.ts';
import { readJson } from '../../shared/http/body.ts';
import { HttpError, errorToResponse, methodNotAllowed, tooManyRequests } from '../../shared/http/errors.ts';
import { withOnError } from '../../shared/http/hono.ts';
import { parseInput } from '../../shared/http/validate.ts';

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
    const tokens = ['dev-token', 'other'];
    expect(await tokenMatches('dev-token', tokens)).toBe(true);
    expect(await tokenMatches('other', tokens)).toBe(true);
    expect(await tokenMatches('dev-toke', tokens)).toBe(false);
    expect(await tokenMatches('', [''])).toBe(false);
  });

  // RFC 6750 §3 and §3.1, through Hono's bearerAuth.
  const app = new Hono();
  app.onError(withOnError());
  app.use(requireBearer(() => ['secret-token']));
  app.get('/', (c) => c.text('in'));
  it.each([
    ['no header', undefined, 401, 'unauthorized', 'Bearer'],
    ['another scheme', 'Basic c2VjcmV0', 401, 'unauthorized', 'Bearer'],
    ['a wrong token', 'Bearer other-token', 401, 'unauthorized', 'Bearer error="invalid_token"'],
    ['no token', 'Bearer', 400, 'invalid_request', 'Bearer error="invalid_request"'],
    ['two tokens', 'Bearer a b', 400, 'invalid_request', 'Bearer error="invalid_request"'],
  ])('requireBearer: %s -> %i', async (_name, header, status, code, challenge) => {
    const response = await app.request('/', { headers: header === undefined ? {} : { Authorization: header } });
    expect(response.status).toBe(status);
    expect(response.headers.get('WWW-Authenticate')).toBe(challenge);
    expect(await response.json()).toMatchObject({ error: { code, field: 'Authorization' } });
  });

  it('requireBearer lets a listed token through', async () => {
    const response = await app.request('/', { headers: { Authorization: 'Bearer secret-token' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('in');
  });
});

describe('readJson', () => {
  const post = (body: BodyInit, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    new Request('http://x/', { method: 'POST', headers, body });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    const { status, code, options } = error as HttpError;
    return { status, code, field: options.field };
  };

  it('parses JSON sent as application/json or a +json type', async () => {
    expect(await readJson(post('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(await readJson(post('[1]', { 'Content-Type': 'application/merge-patch+json; charset=utf-8' }), 100)).toEqual([1]);
  });

  it.each([
    [
      'another media type',
      post('{}', { 'Content-Type': 'text/plain' }),
      { status: 415, code: 'unsupported_media_type', field: 'Content-Type' },
    ],
    ['malformed JSON', post('{"a":'), { status: 400, code: 'invalid_json', field: 'body' }],
    ['bytes that are not UTF-8', post(new Uint8Array([0x22, 0xff, 0x22])), { status: 400, code: 'invalid_json', field: 'body' }],
    ['a body over the limit', post(`"${'x'.repeat(200)}"`), { status: 413, code: 'body_too_large', field: 'body' }],
  ])('refuses %s', async (_name, request, expected) => {
    expect(await failure(readJson(request, 100))).toEqual(expected);
  });

  it('stops reading a stream at the chunk that crosses the limit, without reading it whole', async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('"xxxxxxxxxx'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request('http://x/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: endless,
      duplex: 'half',
    } as RequestInit);
    expect(await failure(readJson(request, 100))).toMatchObject({ status: 413 });
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(20); // an endless body, read only as far as the limit
  });
});

describe('parseInput', () => {
  const schema = z.strictObject({ name: z.string(), age: z.optional(z.number()), tags: z.optional(z.array(z.string())) });
  const failure = (value: unknown) => {
    try {
      parseInput(schema, value, { prefix: 'item' });
    } catch (error) {
      const { status, message, options } = error as HttpError;
      return { status, message, field: options.field, issues: options.issues };
    }
    throw new Error('parsed');
  };

  it.each([
    [{}, 'item.name', 'is required'],
    [{ name: 7 }, 'item.name', 'must be a string, not a number'],
    [{ name: 'a', age: 'old' }, 'item.age', 'must be a number, not a string'],
    [{ name: 'a', tags: [1] }, 'item.tags.0', 'must be a string, not a number'],
    [{ name: 'a', extra: 1 }, 'item.extra', 'is not a known field'],
    [null, 'item', 'must be an object, not null'],
  ])('%j -> %s %s', (value, field, message) => {
    expect(failure(value)).toMatchObject({ status: 400, field, message: `${field}: ${message}` });
  });

  it('lists every issue, not only the first', () => {
    expect(failure({ name: 1, age: 'x' }).issues).toEqual([
      { field: 'item.name', message: 'must be a string, not a number' },
      { field: 'item.age', message: 'must be a number, not a string' },
    ]);
  });
});
