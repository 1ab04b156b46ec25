import { workerProject } from '../support/project.ts';

// The feed worker in workerd with the bindings of [env.feed]: real local KV, D1 and queue, and the
// real FeedBreaker Durable Object; the recommender is mocked at the network (test/support/network.ts).
// The queue delivers batches at once here (wrangler.toml waits up to 5 s to fill one).
export default workerProject('feed', {
  miniflare: {
    bindings: { ADMIN_TOKEN: 'test-admin-token' },
    queueConsumers: { 'feed-events': { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 3, deadLetterQueue: 'feed-events-dlq' } },
  },
});
