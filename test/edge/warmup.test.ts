import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../workers/edge/src/index.ts';
import { CURSOR_KEY, warmUp } from '../../workers/edge/src/warmup.ts';
import { HINT_PREFIX } from '../../workers/edge/src/refresh-pass.ts';
import { depsOf } from '../../workers/edge/src/deps.ts';
import { ORIGIN, renderCount } from './helpers.ts';

const withVars = (vars: Record<string, string>) => depsOf({ ...env, ...vars } as unknown as EdgeEnv);

// One test: the sitemap pages (/warm/*, 2 URLs x 2 devices) and the cursor are shared state, so
// the steps run in order.
describe('cron warm-up from sitemap.xml', () => {
  it('walks the sitemap a slice per run from a cursor, renders what is missing, skips foreign URLs', async () => {
    // The sitemap (test/edge/mocks.ts) lists /warm/one twice (on an alias origin, with a trailing
    // slash), /warm/two with a tracking parameter, and a page of another site: two pages.
    // Run 1: one render allowed, one at a time -> stops after the first pair, cursor on the second.
    const first = await warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, withVars({ WARMUP_MAX_RENDERS: '1', WARMUP_CONCURRENCY: '1' }));
    expect(first).toEqual({
      urls: 2,
      checked: 2,
      fresh: 0,
      rendered: 1,
      failed: 0,
      stoppedBy: 'max-renders',
      next: { sitemap: 0, offset: 1 },
      fronted: 0,
    });
    expect(await renderCount('/warm/one', 'mobile')).toBe(1);
    expect(await env.PRERENDER_INDEX.get(CURSOR_KEY, 'json')).toEqual({ sitemap: 0, offset: 1 });

    // Run 2 (the cron handler, wrangler.toml limits): renders the other three and wraps around.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    for (const device of ['mobile', 'desktop'] as const) {
      expect(await renderCount('/warm/one', device)).toBe(1);
      expect(await renderCount('/warm/two?page=2', device)).toBe(1);
      expect(await env.PRERENDER_INDEX.get(`snap:${device}:${ORIGIN}/warm/two?page=2`)).not.toBeNull();
    }
    expect(await renderCount('https://evil.example/warm/elsewhere', 'mobile')).toBe(0);
    expect(await env.PRERENDER_INDEX.get(CURSOR_KEY, 'json')).toEqual({ sitemap: 0, offset: 0 });

    // Run 3, checks limited to 3: everything fresh, nothing rendered, cursor after the third pair.
    const third = await warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, withVars({ WARMUP_MAX_CHECKS: '3' }));
    expect(third).toEqual({
      urls: 2,
      checked: 3,
      fresh: 3,
      rendered: 0,
      failed: 0,
      stoppedBy: 'max-checks',
      next: { sitemap: 0, offset: 3 },
      fronted: 0,
    });
  });

  it('moves a page whose <lastmod> moved past its snapshot to the front of the refresh pass, once', async () => {
    const hints = async () => (await env.PRERENDER_INDEX.list({ prefix: HINT_PREFIX })).keys.map((k) => k.name).sort();
    const setLastmod = (lastmod: string | null) =>
      env.RENDERER.fetch('http://renderer/__mock/lastmod', { method: 'POST', body: JSON.stringify({ lastmod }) });
    // Both pages rendered, and the sitemap's newest <lastmod> noted (the first look queues nothing).
    await setLastmod(new Date(Date.now() - 86_400_000).toISOString());
    await warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, withVars({}));
    expect(await env.PRERENDER_INDEX.get(`snap:desktop:${ORIGIN}/warm/one`)).not.toBeNull();
    expect(await hints()).toEqual([]);

    // The CMS says /warm/one changed after its snapshot: both devices go to the front, nothing else
    // (this run renders nothing itself; a page its walk renders is not queued again).
    await setLastmod(new Date(Date.now() + 1000).toISOString());
    expect(await warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, withVars({ WARMUP_MAX_RENDERS: '0' }))).toMatchObject({
      fronted: 1,
      rendered: 0,
    });
    expect(await hints()).toEqual([`${HINT_PREFIX}snap:desktop:${ORIGIN}/warm/one`, `${HINT_PREFIX}snap:mobile:${ORIGIN}/warm/one`]);
    // The same <lastmod> again: already acted on.
    expect(await warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, withVars({ WARMUP_MAX_RENDERS: '0' }))).toMatchObject({ fronted: 0 });
    await setLastmod(null);
    for (const hint of await hints()) await env.PRERENDER_INDEX.delete(hint);
  });
});
