import { defineConfig } from 'vitest/config';

// One project per worker (test/<name>/vitest.config.ts), each in its own workerd with its own
// bindings, plus Node-side projects (shared pure functions, end-to-end tests across workers).
export default defineConfig({
  test: {
    projects: ['test/*/vitest.config.ts'],
  },
});
