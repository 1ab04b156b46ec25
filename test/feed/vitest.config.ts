import { workerProject } from '../support/project.ts';

// The feed worker in workerd with the bindings of [env.feed]: real local KV and the real
// FeedBreaker Durable Object; the recommender is mocked at the network (test/support/network.ts).
export default workerProject('feed', {
  miniflare: { bindings: { ADMIN_TOKEN: 'test-admin-token' } },
});
