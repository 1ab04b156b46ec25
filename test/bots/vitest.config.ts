import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { unexpectedOutbound } from '../support/project.ts';

// The pure classifier (shared/bots), run in workerd with no worker and no bindings, so the bundled
// lists load the way they will in the edge worker.
export default defineProject({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        outboundService: unexpectedOutbound,
      },
    }),
  ],
  test: { name: 'bots', include: ['test/bots/**/*.test.ts'] },
});
