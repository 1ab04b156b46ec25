import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { ensureBuilt } from '../../scripts/build.mjs';

// Node-side tests of the assets worker: over real HTTP (wrangler's test harness on Miniflare) and in
// headless Chromium. The worker serves build/assets/: build it first (a no-op when up to date).
await ensureBuilt(null); // the worker tests are written against the demo SPA

export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'assets-node',
    include: ['test/assets-node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
