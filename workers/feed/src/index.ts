/**
 * The `feed` worker: proxies the recommender behind a circuit breaker shared across isolates and
 * answers a degraded feed (KV cache, then a baked-in feed) whenever the recommender fails.
 * See workers/feed/README.md.
 */
import { handleFetch } from './app.ts';
import { refreshFeeds } from './cron.ts';

export { FeedBreaker } from './breaker-object.ts';

export default {
  fetch: handleFetch,
  async scheduled(_controller, env, ctx) {
    await refreshFeeds(env, ctx);
  },
} satisfies ExportedHandler<FeedEnv>;
