// Rules and previews through the API: what is stored, and the clear 4xx for what is not valid.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { linkKey } from '../../shared/links/keys.ts';
import type { LinkRecord } from '../../shared/links/record.ts';
import { MAX_RULES } from '../../workers/shortener/src/schema.ts';
import { api, type ErrorJson, type LinkJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = '', B = ''] = tokens(40, 2);

interface RoutedJson extends LinkJson {
  rules: { if: Record<string, unknown>; url: string }[];
  preview: { title: string; description?: string; image?: string } | null;
}

async function create(body: unknown, token = A) {
  const res = await api(token, 'POST', '/api/links', body);
  return { res, json: (await res.json()) as RoutedJson & ErrorJson };
}

describe('rules', () => {
  it('stores every kind of condition in order, normalised, and KV carries them for the redirector', async () => {
    const rules = [
      { if: { device: 'ios' }, url: 'https://apps.apple.com/app/id1' },
      { if: { country: 'de' }, url: 'https://example.de/' },
      { if: { language: 'FR-ca' }, url: 'https://example.com/fr-ca' },
      { if: { query: { ref: 'mail', promo: '*' } }, url: 'https://example.com/promo' },
    ];
    const { res, json } = await create({ url: 'https://example.com/', rules });
    expect(res.status).toBe(201);
    expect(json.rules).toEqual([
      rules[0],
      { if: { country: 'DE' }, url: 'https://example.de/' },
      { if: { language: 'fr-ca' }, url: 'https://example.com/fr-ca' },
      rules[3],
    ]);
    const stored = await env.LINKS.get<LinkRecord>(linkKey(json.code), 'json');
    expect(stored?.rules).toEqual(json.rules);
  });

  it.each([
    [{ if: {}, url: 'https://example.com/' }, 'rules.0.if', 'must name exactly one of device, country, language, query'],
    [{ if: { device: 'ios', country: 'DE' }, url: 'https://example.com/' }, 'rules.0.if', 'must name exactly one'],
    [{ if: { device: 'windows' }, url: 'https://example.com/' }, 'rules.0.if.device', 'must be one of ios, android, desktop'],
    [{ if: { country: 'Germany' }, url: 'https://example.com/' }, 'rules.0.if.country', 'two-letter country code'],
    [{ if: { language: 'fr_FR' }, url: 'https://example.com/' }, 'rules.0.if.language', 'language tag'],
    [{ if: { query: {} }, url: 'https://example.com/' }, 'rules.0.if.query', 'at least one parameter'],
    [{ if: { os: 'ios' }, url: 'https://example.com/' }, 'rules.0.if.os', 'is not a known field'],
    [{ if: { device: 'ios' }, url: 'javascript:alert(1)' }, 'rules.0.url', 'scheme "javascript:" is not allowed'],
    [{ if: { device: 'ios' }, url: 'http://localhost:8790/x' }, 'rules.0.url', 'must not point at the short domain itself'],
    [{ if: { device: 'ios' }, url: 'http://10.0.0.1/x' }, 'rules.0.url', 'is not a public address'],
    [{ if: { device: 'ios' } }, 'rules.0.url', 'is required'],
  ])('refuses %j naming %s', async (rule, field, message) => {
    const { res, json } = await create({ url: 'https://example.com/', rules: [rule] });
    expect(res.status).toBe(400);
    expect(json.error.field).toBe(field);
    expect(json.error.message).toContain(message);
  });

  it(`holds a link to ${MAX_RULES} rules`, async () => {
    const rule = (i: number) => ({ if: { query: { v: String(i) } }, url: `https://example.com/${i}` });
    expect((await create({ url: 'https://example.com/', rules: Array.from({ length: MAX_RULES }, (_, i) => rule(i)) })).res.status).toBe(
      201,
    );
    const over = await create({ url: 'https://example.com/', rules: Array.from({ length: MAX_RULES + 1 }, (_, i) => rule(i)) });
    expect(over.res.status).toBe(400);
    expect(over.json.error).toMatchObject({ field: 'rules', message: `rules: must hold at most ${MAX_RULES} rules` });
  });

  it('replaces the list on PATCH, and null or [] clears it', async () => {
    const { json } = await create({ url: 'https://example.com/', rules: [{ if: { device: 'android' }, url: 'https://play.example/' }] });
    const patched = await api(A, 'PATCH', `/api/links/${json.code}`, { rules: [{ if: { country: 'FR' }, url: 'https://example.fr/' }] });
    expect((await patched.json<RoutedJson>()).rules).toEqual([{ if: { country: 'FR' }, url: 'https://example.fr/' }]);
    for (const cleared of [null, []]) {
      const res = await api(A, 'PATCH', `/api/links/${json.code}`, { rules: cleared });
      expect((await res.json<RoutedJson>()).rules).toEqual([]);
      expect((await env.LINKS.get<LinkRecord>(linkKey(json.code), 'json'))?.rules).toBeUndefined();
    }
  });
});

describe('preview', () => {
  it('stores a title, description and image, and PATCH null removes it', async () => {
    const preview = { title: 'Spring sale', description: 'Half off <everything>', image: 'https://cdn.example.com/card.png' };
    const { res, json } = await create({ url: 'https://example.com/sale', preview }, B);
    expect(res.status).toBe(201);
    expect(json.preview).toEqual(preview);
    const cleared = await api(B, 'PATCH', `/api/links/${json.code}`, { preview: null });
    expect((await cleared.json<RoutedJson>()).preview).toBeNull();
  });

  it.each([
    [{ description: 'no title' }, 'preview.title', 'is required'],
    [{ title: '' }, 'preview.title', 'must not be empty'],
    [{ title: 'x'.repeat(301) }, 'preview.title', 'at most 300'],
    [{ title: 'T', description: 'x'.repeat(1001) }, 'preview.description', 'at most 1000'],
    [{ title: 'T', image: 'data:image/png;base64,AAAA' }, 'preview.image', 'scheme "data:" is not allowed'],
    [{ title: 'T', image: 'http://192.168.1.1/card.png' }, 'preview.image', 'is not a public address'],
    [{ title: 'T', video: 'https://example.com/v.mp4' }, 'preview.video', 'is not a known field'],
  ])('refuses %j naming %s', async (preview, field, message) => {
    const { res, json } = await create({ url: 'https://example.com/', preview }, B);
    expect(res.status).toBe(400);
    expect(json.error.field).toBe(field);
    expect(json.error.message).toContain(message);
  });
});
