// The redirector against real local KV and the shortener's real Durable Object authority.
import { createExecutionContext, env } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkKey } from '../../shared/links/keys.ts';
import type { Env } from '../../workers/redirector/src/env.ts';
import worker from '../../workers/redirector/src/index.ts';
import { FRESH_MS, NEGATIVE_TTL_MS } from '../../workers/redirector/src/resolve.ts';
import { redirectorState } from '../../workers/redirector/src/state.ts';
import { createLink, shortener } from './links.ts';
import { isolateEnv, visit, workerEnv } from './worker.ts';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Each test runs in an isolate of its own (fresh memories and click batches). */
let isolate: Env;
beforeEach(() => {
  isolate = isolateEnv();
});
afterEach(() => vi.useRealTimers());
const go = (path: string, init: RequestInit = {}) => visit(isolate, path, init);

describe('GET /<code>', () => {
  it('redirects with 301 at once after create, with a bounded Cache-Control', async () => {
    const link = await createLink({ url: 'https://example.com/now' });
    const res = await go(`/${link.code}`);
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/now');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=86400');
  });

  it.each([302, 307, 308] as const)('answers the link’s own status %i', async (status) => {
    const link = await createLink({ url: `https://example.com/s${status}`, status });
    const res = await go(`/${link.code}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('Location')).toBe(`https://example.com/s${status}`);
  });

  it('caches immutable links for a year and honours a per-link max-age', async () => {
    const forever = await createLink({ url: 'https://example.com/forever', immutable: true });
    expect((await go(`/${forever.code}`)).headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    const short = await createLink({ url: 'https://example.com/short', maxAge: 120 });
    expect((await go(`/${short.code}`)).headers.get('Cache-Control')).toBe('public, max-age=120');
  });

  it('appends the query string unless the link says not to', async () => {
    const on = await createLink({ url: 'https://example.com/q?ref=a#top' });
    expect((await go(`/${on.code}?utm_source=mail&x=%20y`)).headers.get('Location')).toBe(
      'https://example.com/q?ref=a&utm_source=mail&x=%20y#top',
    );
    const off = await createLink({ url: 'https://example.com/fixed', appendQuery: false });
    expect((await go(`/${off.code}?utm_source=mail`)).headers.get('Location')).toBe('https://example.com/fixed');
  });

  it('is case-sensitive and ignores a trailing slash', async () => {
    await createLink({ url: 'https://example.com/case', slug: 'CaseTest' });
    expect((await go('/CaseTest')).status).toBe(301);
    expect((await go('/CaseTest/')).status).toBe(301);
    expect((await go('/casetest')).status).toBe(404);
  });

  it('answers paths the hot path leaves to the router as before', async () => {
    await createLink({ url: 'https://example.com/slashes', slug: 'Slashes' });
    expect((await go('/Slashes//')).status).toBe(301); // any number of trailing slashes
    expect((await go('/%53lashes')).status).toBe(404); // codes are not decoded
    expect((await go('/Slashes/more')).status).toBe(404);
    expect((await go('//Slashes')).status).toBe(404);
    expect((await go('/')).status).toBe(404);
    expect((await go('/Slashes', { method: 'DELETE' })).status).toBe(405);
  });

  it('gives every redirect its own headers, also when served from isolate memory', async () => {
    const link = await createLink({ url: 'https://example.com/own-headers' });
    const fetchOnce = () => worker.fetch(new Request(`https://sho.rt/${link.code}`), isolate, createExecutionContext());
    const first = await fetchOnce();
    first.headers.set('Location', 'https://evil.example/');
    const second = await fetchOnce(); // the record is now in memory: the hot path
    expect(second.status).toBe(301);
    expect(second.headers.get('Location')).toBe('https://example.com/own-headers');
    expect(second.headers.get('Cache-Control')).toBe('public, max-age=86400');
    expect(second.headers.get('Referrer-Policy')).toBe('strict-origin-when-cross-origin');
  });

  it('answers HEAD like GET, without a body', async () => {
    const link = await createLink({ url: 'https://example.com/head' });
    const res = await go(`/${link.code}`, { method: 'HEAD' });
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/head');
    expect(await res.text()).toBe('');
  });

  it('answers 404 for unknown codes: JSON for API clients, a small page for browsers', async () => {
    const api = await go('/no-such-code', { headers: { Accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('Content-Type')).toMatch(/application\/json/);
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
    const page = await go('/no-such-code', { headers: { Accept: 'text/html,*/*;q=0.8' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('does not exist');
    expect(page.headers.get('Vary')).toBe('Accept');
    for (const path of ['/', '/a/b', '/bad%20code', '/..%2f..%2fetc']) expect((await go(path)).status).toBe(404);
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await go('/anything', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
  });

  it('answers 410 once a link is deleted', async () => {
    const link = await createLink({ url: 'https://example.com/deleted' });
    expect((await shortener('DELETE', `/api/links/${link.code}`)).status).toBe(204);
    const res = await go(`/${link.code}`);
    expect(res.status).toBe(410);
    expect(res.headers.get('Location')).toBeNull();
  });

  it('an isolate that just served a link keeps it at most FRESH_MS after a delete', async () => {
    const link = await createLink({ url: 'https://example.com/hot-then-deleted' });
    expect((await go(`/${link.code}`)).status).toBe(301);
    await shortener('DELETE', `/api/links/${link.code}`);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + FRESH_MS + 1);
    expect((await go(`/${link.code}`)).status).toBe(410);
  });

  it('answers 410 once a link has expired, and caps max-age at the expiry', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const link = await createLink({ url: 'https://example.com/expiring', expiresAt });
    const before = await go(`/${link.code}`);
    expect(before.status).toBe(301);
    expect(Number(before.headers.get('Cache-Control')?.match(/max-age=(\d+)/)?.[1])).toBeLessThanOrEqual(3600);
    // The worker runs in this isolate, so moving the clock moves the redirector's clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse(expiresAt) + 1000);
    expect((await go(`/${link.code}`)).status).toBe(410);
  });

  it('follows an edit: the new destination is served', async () => {
    const link = await createLink({ url: 'https://example.com/before' });
    await shortener('PATCH', `/api/links/${link.code}`, { url: 'https://example.com/after', status: 302 });
    const res = await go(`/${link.code}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('https://example.com/after');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('no 404 window', () => {
  it('asks the authority when KV has not got the link yet', async () => {
    const link = await createLink({ url: 'https://example.com/fresh' });
    // KV takes up to 60 s to spread a write; here its copy is simply not there yet.
    await env.LINKS.delete(linkKey(link.code));
    const res = await go(`/${link.code}`);
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/fresh');
  });

  it('remembers "unknown" briefly, so scanners cannot hammer the authority', async () => {
    expect((await go('/probe-me')).status).toBe(404);
    // The slug is now created, but KV in this location has not seen it yet.
    await createLink({ url: 'https://example.com/probed', slug: 'probe-me' });
    await env.LINKS.delete(linkKey('probe-me'));
    expect((await go('/probe-me')).status).toBe(404); // answered from the negative memory
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + NEGATIVE_TTL_MS + 1);
    expect((await go('/probe-me')).status).toBe(301); // memory expired: the authority is asked again
  });
});

describe('clicks', () => {
  const click = (code: string, init: RequestInit) => go(`/${code}`, init);
  const totals = async (code: string) =>
    (await (await shortener('GET', `/api/links/${code}/clicks?bucket=hour`)).json<{ totals: Record<string, number> }>()).totals;

  it('counts humans, HEADs, previews and bots apart, through the queue into the shortener', async () => {
    const link = await createLink({ url: 'https://example.com/counted' });
    await click(link.code, { headers: { 'User-Agent': BROWSER } });
    await click(link.code, { headers: { 'User-Agent': BROWSER } });
    await click(link.code, { method: 'HEAD', headers: { 'User-Agent': BROWSER } });
    await click(link.code, { headers: { 'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' } });
    await click(link.code, { headers: { 'User-Agent': 'curl/8.5.0' } });
    const expected = { human: 2, bot: 1, preview: 1, scanner: 0, head: 1 };
    await vi.waitUntil(async () => JSON.stringify(await totals(link.code)) === JSON.stringify(expected), { timeout: 10_000, interval: 50 });
    const { clicks } = await (await shortener('GET', `/api/links/${link.code}`)).json<{ clicks: Record<string, number> }>();
    expect(clicks).toEqual(expected);
  });

  it('never makes the redirect wait for counting', async () => {
    const link = await createLink({ url: 'https://example.com/not-waiting' });
    // A queue that never answers: if the redirect awaited it, this test would hang.
    const stuck = { send: () => new Promise<void>(() => {}), sendBatch: () => new Promise<void>(() => {}) } as unknown as Queue;
    const res = await worker.fetch(
      new Request(`https://sho.rt/${link.code}`, { redirect: 'manual', headers: { 'User-Agent': BROWSER } }),
      isolateEnv({ CLICK_EVENTS: stuck }),
      createExecutionContext(),
    );
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/not-waiting');
  });

  it('drops and counts clicks a full queue refuses, and still redirects', async () => {
    const link = await createLink({ url: 'https://example.com/queue-full' });
    const full = { sendBatch: () => Promise.reject(new Error('Queue is full')) } as unknown as Queue;
    const refusing = isolateEnv({ CLICK_EVENTS: full });
    const res = await visit(refusing, `/${link.code}`, { headers: { 'User-Agent': BROWSER, 'CF-IPCountry': 'DE' } });
    expect(res.status).toBe(301);
    // The kind and the country of the one click: two counts lost, and known to be.
    expect(redirectorState(refusing).clicks.events.stats).toEqual({ sent: 0, lost: 2 });
  });

  it('does not count 404s or 410s', async () => {
    const link = await createLink({ url: 'https://example.com/gone' });
    await shortener('DELETE', `/api/links/${link.code}`);
    expect((await click(link.code, { headers: { 'User-Agent': BROWSER } })).status).toBe(410);
    expect((await click('never-a-link', { headers: { 'User-Agent': BROWSER } })).status).toBe(404);
    expect(redirectorState(isolate).clicks.events.stats).toEqual({ sent: 0, lost: 0 });
    expect(redirectorState(isolate).clicks.events.pending).toBe(0);
  });
});

describe('outages', () => {
  // Fault injection around the real bindings: every other method still reaches the real one.
  function failing<T extends object>(binding: T, method: string, error: Error): T {
    return new Proxy(binding, {
      get(target, prop) {
        if (prop === method)
          return () => {
            throw error;
          };
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
  const brokenKv = failing(workerEnv.LINKS, 'get', new Error('KV unavailable'));
  const brokenAuthority = failing(workerEnv.LINK_AUTHORITY, 'get', new Error('authority unreachable'));
  /** A request to this test's isolate, with `bindings` failing from now on (the isolate keeps its memory). */
  function during(code: string, bindings: Partial<Env>) {
    Object.assign(isolate, bindings);
    return go(`/${code}`);
  }

  it('answers from the authority when KV errors', async () => {
    const link = await createLink({ url: 'https://example.com/kv-down' });
    const res = await during(link.code, { LINKS: brokenKv });
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/kv-down');
  });

  it('answers from the last-known copy when KV and the authority both fail', async () => {
    const link = await createLink({ url: 'https://example.com/both-down' });
    expect((await during(link.code, {})).status).toBe(301); // served once: this isolate remembers it
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + FRESH_MS + 1); // past the hot-path memory: KV and the authority are asked
    const res = await during(link.code, { LINKS: brokenKv, LINK_AUTHORITY: brokenAuthority });
    expect(res.status).toBe(301);
    expect(res.headers.get('Location')).toBe('https://example.com/both-down');
  });

  it('answers 503 with Retry-After when nothing can be known, never a bare 500', async () => {
    const res = await during('never-seen', { LINKS: brokenKv, LINK_AUTHORITY: brokenAuthority });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
    // KV answering "miss" while the authority is down is not proof of absence either.
    expect((await visit(isolateEnv({ LINK_AUTHORITY: brokenAuthority }), '/never-seen-2')).status).toBe(503);
  });
});
