/**
 * The `feed` worker: proxies the recommender behind a circuit breaker shared across isolates and
 * answers a degraded feed (KV cache, then a baked-in feed) whenever the recommender fails; counts
 * its answers and outcomes into its own queue and rolls them up into its own D1 for its operators.
 * See workers/feed/README.md.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeEvents } from '../../../shared/events/rollup.ts';
import { handleFetch, operatorApp } from './app.ts';
import { refreshFeeds } from './cron.ts';

export { FeedBreaker } from './breaker-object.ts';
export { FeedBreakerAggregator } from './breaker-aggregator.ts';
export { Leases } from '../../../shared/lease/object.ts';

/**
 * The operators' console binds this entrypoint (`entrypoint = "OperatorApi"`): the operator routes
 * at the same paths as the public API, authenticated by the service binding itself.
 */
export class OperatorApi extends WorkerEntrypoint<FeedEnv> {
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(operatorApp.fetch(request, this.env, this.ctx));
  }
}

export default {
  fetch: handleFetch,
  async scheduled(controller, env, ctx) {
    await refreshFeeds(env, ctx, controller.scheduledTime);
  },
  async queue(batch, env) {
    await consumeEvents(batch, env.EVENTS_DB);
  },
} satisfies ExportedHandler<FeedEnv>;
