import { workerProject } from '../support/project.ts';
import { ADMIN_TOKEN, RENDER_TOKEN, assets, renderer } from './mocks.ts';

// The edge in workerd with its real local KV, R2 and rate limiters; renderer and assets are mocked
// at the network (Node-side service bindings that throw on anything unexpected).
export default workerProject('edge', {
  include: ['test/edge/**/*.test.ts'],
  miniflare: {
    serviceBindings: { RENDERER: renderer, ASSETS_SERVICE: assets },
    // No in-memory hot cache by default: tests edit KV directly and must see it (hot-cache.test.ts turns it on).
    // Event counts are sent at once: `settled()` waits for the send.
    // No render lease: tests that take a copy of `env` for a fresh isolate render the same page again
    // (render-lease.test.ts turns it on).
    bindings: { RENDER_TOKEN, ADMIN_TOKEN, RENDER_WAIT_MS: '800', HOT_CACHE_SECONDS: '0', EVENT_FLUSH_MS: '0', RENDER_LEASE_MS: '0' },
    // Indexes of their own for the warm API's test and the refresh pass's (which walks a whole index).
    kvNamespaces: ['WARM_INDEX', 'REFRESH_INDEX'],
    // The events queue of wrangler.toml, consumed at once (its deployed batch timeout is seconds).
    queueConsumers: { 'prerender-events': { maxBatchTimeout: 0.05, maxRetries: 2 } },
    // Tight limiters a test swaps in for the real ones to run out of budget.
    ratelimits: {
      TIGHT_GLOBAL_LIMIT: { namespace_id: '9001', simple: { limit: 1, period: 60 } },
      TIGHT_CATEGORY_LIMIT: { namespace_id: '9002', simple: { limit: 1, period: 60 } },
    },
  },
});
