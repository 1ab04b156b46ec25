/**
 * One vitest project per worker, running its tests in workerd with the bindings of its
 * `[env.<name>]` section in wrangler.toml (real local KV, R2, Durable Objects, rate limiters).
 * Outbound requests that no test mocked reach `outboundService` and fail loudly.
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject, type TestProjectConfiguration } from 'vitest/config';
import { fileURLToPath } from 'node:url';

type CloudflareTestOptions = Parameters<typeof cloudflareTest>[0];
type MiniflareOptions = NonNullable<Extract<CloudflareTestOptions, { miniflare?: unknown }>['miniflare']>;

const root = fileURLToPath(new URL('../..', import.meta.url));

export function unexpectedOutbound(request: Request): Response {
  throw new Error(`unexpected outbound request (no mock declared): ${request.method} ${request.url}`);
}

export function workerProject(
  name: string,
  options: { miniflare?: MiniflareOptions; include?: string[]; testTimeout?: number } = {},
): TestProjectConfiguration {
  return defineProject({
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml`, environment: name },
        miniflare: { outboundService: unexpectedOutbound, ...options.miniflare },
      }),
    ],
    test: {
      name,
      include: options.include ?? [`test/${name}/**/*.test.ts`],
      testTimeout: options.testTimeout ?? 20_000,
    },
  });
}

/**
 * A project for pure shared code: run in workerd (so Web Crypto extensions and bundled data load
 * as they will in a worker) with no worker and no bindings.
 */
export function pureProject(name: string): TestProjectConfiguration {
  return defineProject({
    root,
    plugins: [
      cloudflareTest({
        miniflare: {
          compatibilityDate: '2026-11-01',
          compatibilityFlags: ['nodejs_compat'],
          outboundService: unexpectedOutbound,
        },
      }),
    ],
    test: { name, include: [`test/${name}/**/*.test.ts`] },
  });
}
