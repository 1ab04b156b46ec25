// The private path end to end, nothing mocked: the demo token issuer signs a user in, two isolates
// of the feed verify the token against the issuer's published key set, and the recommender is asked
// for the token's subject; a forged or absent token gets the anonymous feed.
import { afterEach, describe, expect, it } from 'vitest';
import { startRecommender, type Recommender } from '../../demo/recommender/server.mjs';
import { startCluster, type Cluster } from './cluster.ts';

let recommender: Recommender | undefined;
let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  await recommender?.close();
  cluster = recommender = undefined;
});

describe('private feeds with the demo issuer', () => {
  it('a signed-in user gets their own feed in every isolate; ?user= alone counts for nothing', async () => {
    recommender = await startRecommender({ mode: 'ok' });
    cluster = await startCluster({
      RECOMMENDER_URL: recommender.url,
      AUTH_JWKS_URL: `${recommender.url}/.well-known/jwks.json`,
      AUTH_ISSUER: recommender.issuer.issuer,
      AUTH_AUDIENCE: 'feed',
      AUTH_QUERY_USER: 'false',
    });
    const { token } = await recommender.issuer.sign('alice');
    const auth = { Authorization: `Bearer ${token}` };

    for (const instance of ['a', 'b'] as const) {
      const mine = await cluster.get(instance, '/api/feed/home?user=mallory', auth);
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ mode: 'live', personalized: true });
      expect(mine.body?.items[0]?.id).toMatch(/^home-alice-/);
    }
    const bare = await cluster.get('a', '/api/feed/home?user=mallory');
    expect(bare.body).toMatchObject({ mode: 'live', personalized: false });

    // A token for another audience, from the same issuer and key: refused, anonymous feed.
    const other = await recommender.issuer.sign('alice', { audience: 'someone-else' });
    const refused = await cluster.get('b', '/api/feed/home', { Authorization: `Bearer ${other.token}` });
    expect(refused.body).toMatchObject({ mode: 'live', personalized: false });
  });
});
