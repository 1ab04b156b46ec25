import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// End-to-end tests across workers: a globalSetup runs `npm start`'s stack (scripts/start.mjs) with
// fresh state on the brief's ports; the tests are plain HTTP clients (and headless Chromium).
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/stack.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
