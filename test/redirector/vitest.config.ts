// The redirector in workerd with its real bindings, plus the shortener as an auxiliary worker: the
// redirector's LINK_AUTHORITY binding names `script_name = "shortener"`, so the Durable Object class
// must live in a worker called `shortener` in the same Miniflare. Auxiliary workers run a prebuilt
// script, so the shortener is bundled here with esbuild, and its bindings are read from its
// [env.shortener] section of wrangler.toml, so both workers share the local `LINKS` KV namespace
// (no `id` in wrangler.toml: locally the binding name is the namespace id on both sides).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import type { LegacyWorkerOptions } from 'miniflare';
import { bundleWorker } from '../support/bundle.ts';
import { workerProject } from '../support/project.ts';
import { TOKEN } from './token.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'redirector-test-'));
process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
bundleWorker(join(root, 'workers/shortener/src/index.ts'), join(outdir, 'shortener.js'));
// wrangler's own copy of the Miniflare types does not resolve here; the shape is Miniflare's v4 options.
const workerOptions = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'), 'shortener')
  .workerOptions as unknown as LegacyWorkerOptions;

export default workerProject('redirector', {
  miniflare: {
    // Tests create links through the real shortener API.
    serviceBindings: { SHORTENER: 'shortener' },
    // Click events are sent at once and the queue delivers at once, so a test sees its counts
    // shortly after its waitUntil work is done (the batching itself is tested in clicks.test.ts).
    bindings: { CLICK_FLUSH_MS: '0' },
    workers: [
      {
        name: 'shortener',
        modules: true,
        scriptPath: join(outdir, 'shortener.js'),
        modulesRoot: outdir,
        compatibilityDate: workerOptions.compatibilityDate,
        compatibilityFlags: workerOptions.compatibilityFlags,
        kvNamespaces: workerOptions.kvNamespaces,
        durableObjects: workerOptions.durableObjects,
        ratelimits: workerOptions.ratelimits,
        d1Databases: workerOptions.d1Databases,
        queueConsumers: { 'link-clicks': { maxBatchTimeout: 0.05, maxRetries: 3 } },
        bindings: { ...workerOptions.bindings, API_TOKENS: TOKEN },
      },
    ],
  },
});
