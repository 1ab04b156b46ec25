// Atomic allocation: the Durable Object authority lets exactly one of many racing creates own a code.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { linkKey } from '../../shared/links/keys.ts';
import type { LinkRecord } from '../../shared/links/record.ts';
import type { LinkAuthority } from '../../workers/shortener/src/authority.ts';
import { api, type ErrorJson, type LinkJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = '', B = ''] = tokens(10, 2);

describe('50 concurrent creates of one slug', () => {
  it('exactly one 201, the other 49 are 409, and KV holds the winner', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api(A, 'POST', '/api/links', { url: `https://example.com/racer/${i}`, slug: 'launch-day' })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const winner = await responses[statuses.indexOf(201)]!.json<LinkJson>();
    const losers = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json<ErrorJson>()));
    for (const loser of losers) expect(loser.error).toMatchObject({ code: 'slug_taken', field: 'slug' });

    const stored = await env.LINKS.get<LinkRecord>(linkKey('launch-day'), 'json');
    expect(stored?.url).toBe(winner.url);
    const stub = env.LINK_AUTHORITY.get(env.LINK_AUTHORITY.idFromName('launch-day'));
    const authoritative = await runInDurableObject(stub, (instance: LinkAuthority) => instance.lookup());
    expect(authoritative?.url).toBe(winner.url);
  });

  it('the authority itself: one claim wins among many for the same code', async () => {
    const stub = env.LINK_AUTHORITY.get(env.LINK_AUTHORITY.idFromName('direct-claim'));
    const at = new Date().toISOString();
    const record = (i: number): LinkRecord => ({
      code: 'direct-claim',
      url: `https://example.com/${i}`,
      status: 301,
      appendQuery: true,
      immutable: false,
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stub.claim(record(i))));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('random codes never come out twice under concurrent creates', async () => {
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api(i % 2 ? A : B, 'POST', '/api/links', { url: `https://example.com/r/${i}` })),
    );
    expect(responses.every((r) => r.status === 201)).toBe(true);
    const codes = await Promise.all(responses.map(async (r) => (await r.json<LinkJson>()).code));
    expect(new Set(codes).size).toBe(60);
  });
});
