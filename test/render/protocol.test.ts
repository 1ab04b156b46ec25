import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, renderRequestSchema, renderResultSchema } from '../../shared/render/protocol.ts';

describe('renderRequestSchema', () => {
  it('takes a URL and a device, desktop by default', () => {
    expect(renderRequestSchema.parse({ url: 'http://localhost:8787/a', device: 'mobile' })).toEqual({
      url: 'http://localhost:8787/a',
      device: 'mobile',
    });
    expect(renderRequestSchema.parse({ url: 'http://localhost:8787/a' }).device).toBe('desktop');
  });

  it.each([
    ['no url', { device: 'mobile' }, 'url'],
    ['an empty url', { url: '' }, 'url'],
    ['a url too long', { url: `http://localhost:8787/${'a'.repeat(MAX_URL_LENGTH)}` }, 'url'],
    ['an unknown device', { url: 'http://localhost:8787/', device: 'tablet' }, 'device'],
  ])('refuses %s, naming the field in English', (_label, body, field) => {
    const result = renderRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
    expect(result.error?.issues[0]?.message).not.toBe('Invalid input');
  });
});

describe('renderResultSchema', () => {
  const result = {
    html: '<p>x</p>',
    status: 404,
    headers: { 'X-Robots-Tag': 'noindex' },
    renderedAt: '2026-11-23T00:00:00.000Z',
    timings: { totalMs: 3 },
  };

  it('accepts a render result', () => {
    expect(renderResultSchema.parse(result)).toEqual(result);
  });

  it.each([
    ['a 1xx status', { ...result, status: 101 }],
    ['a fractional status', { ...result, status: 200.5 }],
    ['no timings', { ...result, timings: undefined }],
    ['headers that are not strings', { ...result, headers: { 'X-A': 1 } }],
  ])('refuses %s', (_label, body) => {
    expect(renderResultSchema.safeParse(body).success).toBe(false);
  });
});
