import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The console's screens in headless Chromium, against the console worker in Miniflare with stand-in
// owners (test/console-node/harness.ts); and, with CONSOLE_URL set, the whole path on a running
// stack (console.proof.test.ts).
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'console-node',
    include: ['test/console-node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
