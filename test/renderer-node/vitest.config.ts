import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Node side of the renderer: the self-hosted render service (services/render-service) on a real local
// Chromium, driven over HTTP like the worker drives it with RENDER_SERVICE_URL.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'renderer-node',
    include: ['test/renderer-node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
