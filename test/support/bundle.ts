/**
 * Bundles a worker entry into one ES module for Miniflare, the way wrangler does (esbuild, workerd
 * conditions, `cloudflare:*` and `node:*` left to the runtime), for tests that need a second worker
 * or a second instance of one.
 */
import { buildSync } from 'esbuild';

export function bundleWorker(entryPoint: string, outfile: string): void {
  buildSync({
    entryPoints: [entryPoint],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2024',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    external: ['cloudflare:*', 'node:*'],
    outfile,
    logLevel: 'error',
  });
}
