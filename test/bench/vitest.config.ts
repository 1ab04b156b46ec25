import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Node-side: the bench's own statistics and report rules, on synthetic, seeded round data. No
// bench is run and no worker is started.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { name: 'bench', include: ['test/bench/**/*.test.ts'], environment: 'node', testTimeout: 120_000 },
});
