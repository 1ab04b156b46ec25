import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { startOfWindowIfNeeded } from '../support/ratelimit.ts';
import { ORIGIN, UA, callEdge, get, renderCount, uniquePath } from './helpers.ts';

/** Calls the worker directly, so a test can give it `request.cf` signals and other bindings. */
async function call(path: string, userAgent: string, overrides: Partial<Record<keyof EdgeEnv, unknown>>, cf?: object) {
  const { response, settled } = await callEdge(path, userAgent, { cf } as RequestInit, { ...env, ...overrides } as EdgeEnv);
  await settled();
  return response;
}

describe('who may trigger a render', () => {
  it('cache-only categories get the cache but never trigger a render', async () => {
    const path = uniquePath('cache-only');
    const miss = await get(path, UA.ahrefs);
    expect(miss.headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await miss.text()).toContain('<div id="app"></div>');
    expect(await renderCount(path)).toBe(0);

    await get(path, UA.googlebot);
    const hit = await get(path, UA.ahrefs);
    expect(hit.headers.get('X-Prerender')).toBe('HIT');
    expect(await hit.text()).toContain(`Rendered ${path}`);
    expect(await renderCount(path)).toBe(1);
  });

  it('a pass-through category gets the SPA with BYPASS, and no render', async () => {
    const path = uniquePath('pass-through');
    const policy =
      'search=render, ai-assistant=render, ai-training=refuse, link-preview=render, archiver=cache-only, seo-tool=cache-only, other=pass-through';
    const response = await call(path, UA.curl, { AGENT_POLICY: policy });
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
    expect(await response.text()).toContain('<div id="app"></div>');
    expect(await renderCount(path)).toBe(0);
  });

  describe('with VERIFY_BOTS on (production)', () => {
    const verify = { VERIFY_BOTS: 'true' };

    it('a spoofed Googlebot (no cf verification) gets the shell and never renders', async () => {
      const path = uniquePath('spoofed');
      const response = await call(path, UA.googlebot, verify, { verifiedBotCategory: '', botManagement: { verifiedBot: false, score: 3 } });
      expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
      expect(await renderCount(path)).toBe(0);
    });

    it('a spoofed Googlebot still gets what the cache holds', async () => {
      const path = uniquePath('spoofed-hit');
      await get(path, UA.googlebot); // VERIFY_BOTS is off in the default env: this one renders
      const response = await call(path, UA.googlebot, verify, {});
      expect(response.headers.get('X-Prerender')).toBe('HIT');
      expect(await renderCount(path)).toBe(1);
    });

    it('a verified Googlebot renders', async () => {
      const path = uniquePath('verified');
      const response = await call(path, UA.googlebot, verify, { verifiedBotCategory: 'Search Engine Crawler' });
      expect(response.headers.get('X-Prerender')).toBe('MISS');
      expect(await renderCount(path)).toBe(1);
    });

    it('is forced on when a site origin is not local, whatever VERIFY_BOTS says', async () => {
      const path = uniquePath('forced');
      const response = await call(path, UA.googlebot, { VERIFY_BOTS: 'false', SITE_ORIGINS: `${ORIGIN},https://www.example.com` });
      expect(response.headers.get('X-Prerender')).toBe('FALLBACK');
      expect(await renderCount(path)).toBe(0);
    });
  });
});

describe('render budget (Workers rate-limiting bindings)', () => {
  it('past the global renders-per-minute limit, misses get FALLBACK', async () => {
    const tight = { RENDER_LIMIT_GLOBAL: env.TIGHT_GLOBAL_LIMIT };
    await startOfWindowIfNeeded(15_000);
    const [a, b] = [uniquePath('budget-a'), uniquePath('budget-b')];
    expect((await call(a, UA.googlebot, tight)).headers.get('X-Prerender')).toBe('MISS');
    expect((await call(b, UA.googlebot, tight)).headers.get('X-Prerender')).toBe('FALLBACK');
    expect(await renderCount(b)).toBe(0);
    // Cache hits cost no budget.
    expect((await call(a, UA.googlebot, tight)).headers.get('X-Prerender')).toBe('HIT');
  }, 60_000); // waits up to 15 s for a fresh window

  it('the per-category limit spends one category without starving another', async () => {
    const tight = { RENDER_LIMIT_CATEGORY: env.TIGHT_CATEGORY_LIMIT };
    await startOfWindowIfNeeded(15_000);
    const [a, b, c] = [uniquePath('cat-a'), uniquePath('cat-b'), uniquePath('cat-c')];
    expect((await call(a, UA.facebook, tight)).headers.get('X-Prerender')).toBe('MISS');
    expect((await call(b, UA.facebook, tight)).headers.get('X-Prerender')).toBe('FALLBACK');
    expect((await call(c, UA.googlebot, tight)).headers.get('X-Prerender')).toBe('MISS');
  }, 60_000); // waits up to 15 s for a fresh window

  it('a broken config never costs humans, and bots still get a marked answer', async () => {
    const broken = { FRESH_SECONDS: 'a week' };
    const human = await call(uniquePath('broken-human'), 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', broken);
    expect([human.status, human.headers.get('X-Prerender')]).toEqual([200, null]);
    const bot = await call(uniquePath('broken-bot'), UA.googlebot, broken);
    expect(bot.headers.get('X-Prerender')).toBe('FALLBACK');
  });

  it('a wrong render token is a renderer failure: FALLBACK, not an error', async () => {
    const path = uniquePath('bad-token');
    const response = await call(path, UA.googlebot, { RENDER_TOKEN: 'wrong' });
    expect([response.status, response.headers.get('X-Prerender')]).toEqual([200, 'FALLBACK']);
  });
});
