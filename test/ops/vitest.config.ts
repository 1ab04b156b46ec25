import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The operator side, in Node: the build's hashed-name rule and SPA_DIST layout, the stage files and
// the deploy command, `npm start`'s restart policy. Nothing here binds a fixed port.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'ops',
    include: ['test/ops/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
