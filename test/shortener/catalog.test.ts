// The catalog behind GET /api/links: search over code, destination and title; keyset pages; deletes;
// the backfill of links that were in KV before the catalog.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LINK_PREFIX, linkKey } from '../../shared/links/keys.ts';
import type { LinkRecord } from '../../shared/links/record.ts';
import { backfillCatalog, catalogList, catalogPut } from '../../workers/shortener/src/catalog.ts';
import { api, type ErrorJson, type LinkJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = '', B = ''] = tokens(45, 2);
type Page = { links: LinkJson[]; cursor: string | null };

const list = async (query: string, token = A) => {
  const res = await api(token, 'GET', `/api/links?${query}`);
  return { res, page: (await res.json()) as Page & ErrorJson };
};

describe('GET /api/links', () => {
  it('searches codes, destinations and titles, case-insensitively, as substrings', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await api(A, 'POST', '/api/links', { url: `https://shop.example/${tag}/shoes`, slug: `Kicks-${tag}` });
    await api(A, 'POST', '/api/links', { url: 'https://blog.example/post', title: `Autumn ${tag} Recap` });
    await api(A, 'POST', '/api/links', { url: 'https://other.example/', preview: { title: `Preview ${tag}` } });
    const codes = async (q: string) => (await list(`q=${encodeURIComponent(q)}`)).page.links.map((l) => l.url);
    expect(await codes(tag)).toHaveLength(3);
    expect(await codes(`kicks-${tag}`)).toEqual([`https://shop.example/${tag}/shoes`]);
    expect(await codes(`${tag}/SHOES`)).toEqual([`https://shop.example/${tag}/shoes`]);
    expect(await codes(`autumn ${tag}`)).toEqual(['https://blog.example/post']);
    expect(await codes(`preview ${tag}`)).toEqual(['https://other.example/']);
    expect(await codes(`${tag}-nothing`)).toEqual([]);
  });

  it('pages newest first with an opaque cursor, and leaves deleted links out', async () => {
    const tag = `pg${crypto.randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 5; i++) await api(B, 'POST', '/api/links', { url: `https://example.com/${tag}/${i}`, slug: `${tag}-${i}` });
    await api(B, 'DELETE', `/api/links/${tag}-2`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { page }: { page: Page } = await list(`q=${tag}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, B);
      expect(page.links.length).toBeLessThanOrEqual(2);
      seen.push(...page.links.map((l) => l.code));
      cursor = page.cursor;
    } while (cursor !== null);
    expect(seen).toEqual([`${tag}-4`, `${tag}-3`, `${tag}-1`, `${tag}-0`]);
  });

  it('short queries (1-2 characters) still find what they match', async () => {
    const slug = `zq${crypto.randomUUID().slice(0, 6)}`;
    await api(A, 'POST', '/api/links', { url: 'https://example.com/short-q', slug });
    const { page } = await list(`q=${slug.slice(0, 2)}&limit=100`);
    expect(page.links.map((l) => l.code)).toContain(slug);
  });

  it.each([
    ['cursor=%3Cscript%3E', 'cursor'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['limit=0', 'limit'],
    ['q=' + 'x'.repeat(201), 'q'],
    ['sort=asc', 'sort'],
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const { res, page } = await list(query);
    expect(res.status).toBe(400);
    expect(page.error.field).toBe(field);
  });
});

describe('backfillCatalog', () => {
  it('copies links KV had before the catalog, once, and never over a newer version', async () => {
    const at = '2020-01-01T00:00:00.000Z';
    const old = (code: string, version: number, url: string): LinkRecord => ({
      code,
      url,
      status: 301,
      appendQuery: true,
      immutable: false,
      createdAt: at,
      updatedAt: at,
      version,
    });
    const db = env.LINK_STATS;
    const kv = env.LINKS;
    const prefix = `${LINK_PREFIX}legacy-`;
    await kv.put(linkKey('legacy-a'), JSON.stringify(old('legacy-a', 1, 'https://example.com/legacy-a')));
    await kv.put(linkKey('legacy-b'), JSON.stringify(old('legacy-b', 1, 'https://example.com/legacy-b-stale')));
    // legacy-b was changed since: the catalog already has version 2.
    await catalogPut(db, old('legacy-b', 2, 'https://example.com/legacy-b-new'));
    expect(await backfillCatalog(db, kv, prefix)).toBe(2);
    expect(await backfillCatalog(db, kv, prefix)).toBeNull(); // walked to the end: done
    const page = await catalogList(db, { q: 'legacy-', limit: 10 });
    expect(page.links.map((l) => [l.code, l.url]).sort()).toEqual([
      ['legacy-a', 'https://example.com/legacy-a'],
      ['legacy-b', 'https://example.com/legacy-b-new'],
    ]);
  });
});
