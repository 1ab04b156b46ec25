import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { unexpectedOutbound } from '../support/project.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The shared events pipeline in workerd with a real local queue (producer and consumer) and D1.
export default defineProject({
  root,
  plugins: [
    cloudflareTest({
      main: `${root}/test/events/worker.ts`,
      miniflare: {
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        outboundService: unexpectedOutbound,
        queueProducers: { EVENTS: 'test-events' },
        queueConsumers: { 'test-events': { maxBatchTimeout: 0.05, maxRetries: 2 } },
        d1Databases: ['DB'],
      },
    }),
  ],
  test: { name: 'events', include: ['test/events/**/*.test.ts'] },
});
