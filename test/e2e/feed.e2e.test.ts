import { afterAll, describe, expect, it } from 'vitest';
import { untilFeedLive } from './feed-recovery.ts';

// The feed worker in the local stack (`npm start`): wrangler dev on 8791 in front of the demo
// recommender on 8793, switched over HTTP (POST /_control). Default breaker config of wrangler.toml:
// 10 calls minimum, 50%, 800 ms timeout, 10 s open, 2 probes. Reached on 127.0.0.1, the address
// `wrangler dev` prints.
const FEED = 'http://127.0.0.1:8791';
const RECOMMENDER = 'http://127.0.0.1:8793';
const ADMIN_TOKEN = process.env.FEED_ADMIN_TOKEN ?? 'dev-admin-token'; // .dev.vars.example
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };

interface FeedBody {
  mode: 'live' | 'degraded';
  source: string;
  reason?: string;
  personalized: boolean;
  ageSeconds: number;
  items: { id: string; title: string }[];
}

async function recommender(mode: string): Promise<number> {
  const response = await fetch(`${RECOMMENDER}/_control`, { method: 'POST', body: JSON.stringify({ mode }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { requests: number }).requests;
}

async function feed(path: string) {
  const response = await fetch(`${FEED}${path}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as FeedBody;
  expect(response.headers.get('X-Feed-Mode')).toBe(body.mode);
  return body;
}

const force = (mode: string) => fetch(`${FEED}/api/feed/_status`, { method: 'POST', headers: admin, body: JSON.stringify({ mode }) });

afterAll(async () => {
  await recommender('ok');
  await force('auto');
  await untilFeedLive(FEED);
});

describe('feed: circuit breaker in front of the recommender', () => {
  it('healthy: live feeds, personalised per user', async () => {
    await recommender('ok');
    expect((await force('auto')).status).toBe(200);
    const alice = await feed('/api/feed/home?user=alice');
    const bob = await feed('/api/feed/home?user=bob');
    expect(alice).toMatchObject({ mode: 'live', personalized: true, source: 'recommender' });
    expect(alice.items.map((i) => i.id)).not.toEqual(bob.items.map((i) => i.id));
  });

  it('rejects bad input with JSON 4xx', async () => {
    expect((await fetch(`${FEED}/api/feed/nope`)).status).toBe(404);
    expect((await fetch(`${FEED}/api/feed/home?user=a%20b`)).status).toBe(400);
    expect((await fetch(`${FEED}/api/feed/_status`)).status).toBe(401);
  });

  it('a signed-in user gets their own feed: the demo issuer signs, the feed verifies', async () => {
    await recommender('ok');
    const signIn = await fetch(`${RECOMMENDER}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'alice' }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    const response = await fetch(`${FEED}/api/feed/home?user=mallory`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await response.json()) as FeedBody;
    expect(body).toMatchObject({ mode: 'live', personalized: true });
    expect(body.items[0]?.id).toMatch(/^home-alice-/);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    // A token that does not verify: the anonymous feed, never mallory's.
    const forged = await fetch(`${FEED}/api/feed/home?user=mallory`, { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
    expect(((await forged.json()) as FeedBody).personalized).toBe(false);
  });

  it('recommender stopped: every answer is 200 degraded, once open it is left alone, and _stats shows the trip', async () => {
    await recommender('down');
    const bodies: FeedBody[] = [];
    for (let i = 0; i < 40 && bodies.at(-1)?.reason !== 'breaker-open'; i++) bodies.push(await feed(`/api/feed/home?user=u${i}`));
    expect(bodies.at(-1)?.reason).toBe('breaker-open');
    expect(bodies.every((b) => b.mode === 'degraded' && !b.personalized)).toBe(true);

    const before = await recommender('down');
    for (let i = 0; i < 20; i++) expect((await feed(`/api/feed/home?user=v${i}`)).reason).toBe('breaker-open');
    expect(await recommender('down')).toBe(before);

    const status = (await (await fetch(`${FEED}/api/feed/_status`, { headers: admin })).json()) as { breaker: { status: string } };
    expect(status.breaker.status).toBe('open');

    const stats = (await (await fetch(`${FEED}/api/feed/_stats`, { headers: admin })).json()) as {
      upstreams: { upstream: string; state: string; timeline: { to: string; reason: string }[] }[];
    };
    const upstream = stats.upstreams.find((u) => u.upstream === 'http://localhost:8793');
    expect(upstream?.state).toBe('open');
    expect(upstream?.timeline.at(-1)).toMatchObject({ to: 'open', reason: 'failure-rate' });
  });

  it('recommender back: live again through half-open after the wait', async () => {
    await recommender('ok');
    let body: FeedBody | undefined;
    // Wait in open (10 s) plus the probes; poll, never assert a duration.
    for (let i = 0; i < 60 && body?.mode !== 'live'; i++) {
      body = await feed('/api/feed/home?user=alice');
      if (body.mode !== 'live') await new Promise((r) => setTimeout(r, 500));
    }
    expect(body).toMatchObject({ mode: 'live', personalized: true });
  });

  it('an operator can force it open and back to auto', async () => {
    expect((await force('open')).status).toBe(200);
    expect((await feed('/api/feed/trending?user=alice')).reason).toBe('forced-open');
    expect((await force('auto')).status).toBe(200);
    expect((await feed('/api/feed/trending?user=alice')).mode).toBe('live');
  });
});
