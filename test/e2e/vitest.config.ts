import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// End-to-end tests across workers: a globalSetup runs `npm start`'s stack (scripts/start.mjs) with
// the demo SPA and fresh state on the fixed ports; the tests are plain HTTP clients (and headless
// Chromium). They reach the stack on 127.0.0.1, as the addresses `wrangler dev` prints, with checks
// on localhost and [::1] too.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 200_000,
    fileParallelism: false,
  },
});
