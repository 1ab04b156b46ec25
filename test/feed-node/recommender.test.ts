// The demo recommender's switches, over HTTP as `npm start` and the e2e tests use them.
import { afterEach, describe, expect, it } from 'vitest';
import { startRecommender, type Recommender } from '../../demo/recommender/server.mjs';

let recommender: Recommender | undefined;
afterEach(async () => {
  await recommender?.close();
  recommender = undefined;
});

const control = (r: Recommender, body: unknown) => fetch(`${r.url}/_control`, { method: 'POST', body: JSON.stringify(body) });

describe('demo recommender', () => {
  it('answers personalised feeds per user, and one anonymous feed without a user', async () => {
    recommender = await startRecommender();
    const get = async (q: string) =>
      (await (await fetch(`${recommender!.url}/feed/home${q}`)).json()) as { personalized: boolean; items: { id: string }[] };
    const [alice, bob, anon] = await Promise.all([get('?user=alice'), get('?user=bob'), get('')]);
    expect(alice.personalized).toBe(true);
    expect(anon.personalized).toBe(false);
    expect(alice.items.map((i) => i.id)).not.toEqual(bob.items.map((i) => i.id));
    expect((await get('?user=alice')).items).toEqual(alice.items); // stable per user
    expect((await fetch(`${recommender.url}/feed/nope`)).status).toBe(404);
  });

  it.each([
    { mode: 'fail', status: 500, retryAfter: null },
    { mode: '429', status: 429, retryAfter: '7' },
  ])('switches to $mode over POST /_control', async ({ mode, status, retryAfter }) => {
    recommender = await startRecommender();
    expect((await control(recommender, { mode, retryAfter: 7 })).status).toBe(200);
    const response = await fetch(`${recommender.url}/feed/home`);
    expect(response.status).toBe(status);
    expect(response.headers.get('Retry-After')).toBe(retryAfter);
  });

  it('flaps: every other request fails', async () => {
    recommender = await startRecommender({ mode: 'flap' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${recommender.url}/feed/new`)).status);
    expect(statuses).toEqual([200, 500, 200, 500]);
  });

  it('hangs until the client gives up', async () => {
    recommender = await startRecommender({ mode: 'hang' });
    const error = await fetch(`${recommender.url}/feed/home`, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(recommender.state.byStatus.hang).toBe(1);
  });

  it.each([{ mode: 'explode' }, { delayMs: -1 }, 'text'])('rejects a bad switch %j with 400', async (body) => {
    recommender = await startRecommender();
    const response = await control(recommender, body);
    expect(response.status).toBe(400);
    expect(recommender.state.mode).toBe('ok');
  });
});
