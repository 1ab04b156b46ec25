import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Node-side: the bundled feed worker as two separate workers (two isolates) in one Miniflare,
// sharing the FeedBreaker Durable Object and the KV namespace, in front of the real demo
// recommender on a random port. Nothing is mocked.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { name: 'feed-node', include: ['test/feed-node/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000 },
});
