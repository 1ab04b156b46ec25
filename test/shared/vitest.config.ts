import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { unexpectedOutbound } from '../support/project.ts';

// Pure shared code, run in workerd (no worker, no bindings) so Web Crypto extensions are real.
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
  test: { name: 'shared', include: ['test/shared/**/*.test.ts'] },
});
