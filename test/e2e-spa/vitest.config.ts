import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The second stack of `npm test`: `npm start` serving SPA_DIST (default: the non-Vite fixture SPA
// test/fixtures/own-spa) with the self-hosted render service, then taken through outages and
// Ctrl-C. It binds the same fixed ports as the e2e project: npm test runs the two one after the other.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'e2e-spa',
    environment: 'node',
    include: ['test/e2e-spa/**/*.e2e.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 200_000,
    fileParallelism: false,
  },
});
