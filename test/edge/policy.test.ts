import { env } from 'cloudflare:test';
import robotsParser from 'robots-parser';
import { describe, expect, it } from 'vitest';
import { BOT_CATEGORIES, type BotCategory } from '../../shared/bots/categories.ts';
import { categoryOfToken, tokensByCategory } from '../../shared/bots/tokens.ts';
import { ConfigError } from '../../shared/config.ts';
import { readPolicy } from '../../workers/edge/src/policy.ts';
import { parseRobots, robotsTxt } from '../../workers/edge/src/robots.ts';
import { ORIGIN, UA, callEdge, get, uniquePath } from './helpers.ts';
import { SPA_ROBOTS } from './pages.ts';

const SIGNALS = 'search=yes, ai-input=yes, ai-train=no';
const DEFAULT = env.AGENT_POLICY;

describe('readPolicy', () => {
  it.each([
    ['an unknown category', 'robots=render', SIGNALS, /AGENT_POLICY: unknown category "robots"/],
    ['an unknown action', DEFAULT.replace('search=render', 'search=maybe'), SIGNALS, /search: unknown action "maybe"/],
    ['a category left out', DEFAULT.replace(', other=render', ''), SIGNALS, /missing: other/],
    ['a category twice', `${DEFAULT}, other=refuse`, SIGNALS, /other is given twice/],
    [
      'a default without every signal',
      DEFAULT,
      'search=yes, ai-input=yes',
      /CONTENT_SIGNALS: the default needs every signal; missing: ai-train/,
    ],
    ['a signal neither yes nor no', DEFAULT, 'search=yes, ai-input=maybe, ai-train=no', /ai-input must be yes or no/],
    ['an override of an unknown category', DEFAULT, `${SIGNALS}; robots: search=no`, /must be "<category>: <signal>=yes\|no, \.\.\."/],
    [
      'a crawler served for a purpose the site says no to',
      DEFAULT.replace('ai-training=refuse', 'ai-training=render'),
      SIGNALS,
      /AGENT_POLICY: ai-training=render contradicts CONTENT_SIGNALS ai-train=no for ai-training/,
    ],
    [
      'an override that contradicts the action',
      DEFAULT,
      `${SIGNALS}; ai-assistant: ai-input=no`,
      /ai-assistant=render contradicts CONTENT_SIGNALS ai-input=no/,
    ],
  ])('refuses %s, naming the var', (_label, actions, signals, message) => {
    expect(() => readPolicy(actions, signals)).toThrow(ConfigError);
    expect(() => readPolicy(actions, signals)).toThrow(message);
  });

  it('reads per-category overrides of the signals', () => {
    const policy = readPolicy(DEFAULT.replace('archiver=cache-only', 'archiver=refuse'), `${SIGNALS}; archiver: search=no, ai-input=no`);
    expect(policy.archiver.contentSignal).toBe('search=no, ai-input=no, ai-train=no');
    expect(policy.search.contentSignal).toBe(SIGNALS);
  });
});

describe('robots.txt merge', () => {
  const policy = readPolicy(DEFAULT, SIGNALS);
  const text = robotsTxt(SPA_ROBOTS, policy, tokensByCategory(), categoryOfToken);
  const robots = robotsParser(`${ORIGIN}/robots.txt`, text);

  it("keeps the SPA's rules for everyone and for the crawlers it names", () => {
    expect(robots.isAllowed(`${ORIGIN}/private/x`, 'curl')).toBe(false);
    expect(robots.isAllowed(`${ORIGIN}/article/1`, 'curl')).toBe(true);
    expect(robots.isAllowed(`${ORIGIN}/nogoogle`, 'Googlebot')).toBe(false);
    expect(robots.isAllowed(`${ORIGIN}/private/x`, 'Googlebot')).toBe(true);
    expect(robots.getSitemaps()).toEqual(['http://localhost:8787/sitemap.xml']);
  });

  it("lets the policy win where the SPA would reopen a refused crawler's paths", () => {
    expect(robots.isAllowed(`${ORIGIN}/public/x`, 'GPTBot')).toBe(false);
    expect(parseRobots(text).groups.filter((g) => g.agents.includes('GPTBot'))).toHaveLength(1);
  });

  it("drops the SPA's own Content-Signal lines: the policy is their one source", () => {
    expect(text).not.toContain('ai-train=yes');
  });

  it('without a robots.txt of the SPA, allows what the policy allows', () => {
    const bare = robotsParser(`${ORIGIN}/robots.txt`, robotsTxt(null, policy, tokensByCategory(), categoryOfToken));
    expect(bare.isAllowed(`${ORIGIN}/private/x`, 'curl')).toBe(true);
    expect(bare.isAllowed(`${ORIGIN}/`, 'CCBot')).toBe(false);
  });
});

/** The `Content-Signal` of the group a crawler reads: its own token's group, else `*` (RFC 9309 §2.2.1). */
function contentSignalFor(text: string, token: string): string | null {
  const groups = text.split(/\n\s*\n/);
  const lines = (group: string) => group.split('\n').map((line) => line.trim());
  const named = groups.find((g) => lines(g).some((l) => l.toLowerCase() === `user-agent: ${token.toLowerCase()}`));
  const group = named ?? groups.find((g) => lines(g).includes('User-agent: *'));
  return group
    ? (lines(group)
        .find((l) => l.startsWith('Content-Signal: '))
        ?.slice('Content-Signal: '.length) ?? null)
    : null;
}

/** A few tokens of each category to send requests as (every token is checked against robots.txt). */
function sample(category: BotCategory): string[] {
  const tokens = tokensByCategory().get(category) ?? [];
  return [...new Set([tokens[0], tokens[Math.floor(tokens.length / 2)], tokens.at(-1)].filter((t): t is string => t !== undefined))];
}

describe.each([
  ['the local policy', DEFAULT],
  [
    'a policy refusing everyone but search',
    'search=render, ai-assistant=refuse, ai-training=refuse, link-preview=refuse, archiver=refuse, seo-tool=refuse, other=refuse',
  ],
  [
    'a policy passing everyone through',
    'search=pass-through, ai-assistant=pass-through, ai-training=refuse, link-preview=pass-through, archiver=pass-through, seo-tool=pass-through, other=pass-through',
  ],
])('robots.txt and the routing never contradict each other: %s', (_label, agentPolicy) => {
  const e = { ...env, AGENT_POLICY: agentPolicy } as EdgeEnv;
  const policy = readPolicy(agentPolicy, env.CONTENT_SIGNALS);

  it.each(BOT_CATEGORIES)('%s', async (category) => {
    const { response } = await callEdge('/robots.txt', UA.chrome, {}, e);
    expect(response.headers.get('Content-Type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    const robots = robotsParser(`${ORIGIN}/robots.txt`, text);
    const refused = policy[category].action === 'refuse';
    const page = `${ORIGIN}/article/1`;
    const tokens = category === 'other' ? ['curl', 'python-requests'] : (tokensByCategory().get(category) ?? []);
    expect(tokens.length).toBeGreaterThan(0);

    // Every crawler of the category reads the category's answer in robots.txt...
    for (const token of tokens) {
      expect(robots.isAllowed(page, token), `${token} allowed`).toBe(!refused);
      expect(contentSignalFor(text, token), `${token} signal`).toBe(policy[category].contentSignal);
    }
    // ...and gets the same answer at the door.
    for (const token of category === 'other' ? tokens : sample(category)) {
      const path = uniquePath(`policy-${category}`);
      const userAgent = category === 'other' ? `${token}/1.0` : `Mozilla/5.0 (compatible; ${token}/1.0; +https://example.com/bot)`;
      const { response: answer, settled } = await callEdge(path, userAgent, {}, e);
      await settled();
      expect(answer.headers.get('X-Prerender'), token).not.toBeNull();
      expect(answer.status === 403, `${token}: 403`).toBe(refused);
      // A snapshot answer carries the signals robots.txt tells the crawler (the SPA shell of a FALLBACK is not one).
      if (['HIT', 'MISS', 'STALE'].includes(answer.headers.get('X-Prerender')!)) {
        expect(answer.headers.get('Content-Signal'), token).toBe(policy[category].contentSignal);
      }
    }
  });
});

describe('/robots.txt at the door', () => {
  it('is served to crawlers (X-Prerender: BYPASS), refused ones included, and to people', async () => {
    for (const userAgent of [UA.googlebot, 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)']) {
      const response = await get('/robots.txt', userAgent);
      expect([response.status, response.headers.get('X-Prerender')]).toEqual([200, 'BYPASS']);
      expect(await response.text()).toContain('Content-Signal: ');
    }
    const person = await get('/robots.txt', UA.chrome);
    expect([person.status, person.headers.get('X-Prerender')]).toEqual([200, null]);
  });

  it("tells a cache-only crawler its category's signals on a snapshot", async () => {
    const path = uniquePath('signal');
    await get(path, UA.googlebot);
    const hit = await get(path, UA.ahrefs);
    expect([hit.headers.get('X-Prerender'), hit.headers.get('Content-Signal')]).toEqual(['HIT', env.CONTENT_SIGNALS]);
  });

  it('refuses a refused crawler everywhere else, naming the policy', async () => {
    const response = await get('/assets/app.js', 'Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)');
    expect(response.status).toBe(403);
    expect(response.headers.get('X-Prerender')).toBe('BYPASS');
    expect(await response.json()).toMatchObject({ error: { code: 'refused_by_policy' } });
  });
});
