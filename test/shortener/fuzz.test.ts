// A fuzz run of malformed create bodies and URLs: only 4xx, never a 5xx, and nothing written anywhere.
import { env, listDurableObjectIds } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api } from './client.ts';
import { tokens } from './tokens.ts';

// 20 tokens x 60 requests stay under the real limiter's 120 a minute per token.
const TOKENS = tokens(20, 20);

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_URLS = [
  '',
  ' ',
  'example.com',
  '//example.com',
  '/path',
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  ' javascript:alert(1)',
  'java\nscript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD4=',
  'file:///etc/passwd',
  'ftp://example.com/',
  'mailto:a@b.c',
  'vbscript:x',
  'blob:https://example.com/uuid',
  'about:blank',
  'chrome://settings',
  'https://user:pw@example.com/',
  'https://@example.com/',
  'http://localhost/',
  'http://127.0.0.1:8787/',
  'http://[::1]/',
  'http://169.254.169.254/',
  'http://metadata.google.internal/',
  'http://localhost:8790/x',
  'https://',
  'http://',
  'https://exa mple.com',
  'https://example.com/\u0000',
  'https://example.com/\u2028',
  `https://example.com/${'x'.repeat(2048)}`,
  'http://[::1',
  'https://%zz/',
  'https://ex%00ample.com/',
  '\u0000',
  '\ufeffhttps://example.com',
  'h t t p s://x.com',
  'https:\\\\evil.com',
];
const BAD_SLUGS = [
  '',
  'a',
  'ab',
  '-x-',
  '_x',
  'a b',
  'a/b',
  '../etc',
  'ä-umlaut',
  'api',
  'ADMIN',
  'health',
  'x'.repeat(65),
  '%2e%2e',
  'a.b',
  'a\u0000b',
];
const BAD_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, Number.MAX_VALUE, 'x', [], {}, [1], { a: 1 }];

function malformedBody(random: () => number): string | unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const good = 'https://example.com/ok';
  switch (Math.floor(random() * 10)) {
    case 0:
      return { url: pick(BAD_URLS) };
    case 1:
      return { url: good, slug: pick(BAD_SLUGS) };
    case 2:
      return { url: good, status: pick([0, 200, 300, 303, 304, 400, '301', null, 301.5]) };
    case 3:
      return { url: good, expiresAt: pick(['', 'tomorrow', '2001-01-01T00:00:00Z', '2030-13-01T00:00:00Z', 1893456000, '2030-01-01']) };
    case 4:
      return { url: pick(BAD_VALUES) };
    case 5:
      return { url: good, [pick(['code', 'id', 'expires_at', '__proto__x', 'URL', 'slug '])]: 'x' };
    case 6:
      return pick(BAD_VALUES);
    case 7:
      return `{"url": "${pick(BAD_URLS).slice(0, 50)}"`.slice(0, Math.floor(random() * 40)); // truncated JSON
    case 8:
      return { url: good, title: pick(BAD_VALUES), maxAge: pick([-5, 1e12, 'x', 0.5]) };
    default: {
      // random bytes as text, sometimes valid JSON by accident, never a valid link
      const length = Math.floor(random() * 60);
      return `${Array.from({ length }, () => String.fromCharCode(Math.floor(random() * 128))).join('')}`;
    }
  }
}

describe('fuzz: 1,200 malformed creates', () => {
  it('answers every one with a 4xx and writes nothing to KV or the authority', async () => {
    const random = prng(20261123);
    const seen = new Map<number, number>();
    let i = 0;
    for (const token of TOKENS) {
      const batch = Array.from({ length: 60 }, () => malformedBody(random));
      const statuses = await Promise.all(
        batch.map(async (body) => {
          const raw = typeof body === 'string' ? body : (JSON.stringify(body) ?? 'undefined');
          const res = await api(token, 'POST', '/api/links', raw);
          const json = await res.json<{ error?: { field?: string } }>();
          if (res.status < 400 || res.status >= 500 || !json.error?.field) {
            throw new Error(`case ${i}: ${raw.slice(0, 200)} -> ${res.status} ${JSON.stringify(json)}`);
          }
          return res.status;
        }),
      );
      for (const s of statuses) seen.set(s, (seen.get(s) ?? 0) + 1);
      i += batch.length;
    }
    expect(i).toBeGreaterThanOrEqual(1000);
    expect([...seen.keys()].every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expect((await env.LINKS.list()).keys).toEqual([]);
    expect(await listDurableObjectIds(env.LINK_AUTHORITY)).toEqual([]);
    expect(await listDurableObjectIds(env.IDEMPOTENCY)).toEqual([]);
  });
});
