// The real decision functions the simulation drives, bundled from the workers' TypeScript sources
// by esbuild (as the edge's classification row does), so no re-implementation stands in for them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { root } from '../../../scripts/workers.mjs';

const OUT = join(root, 'bench', '.out', 'scale');

/**
 * `admit`, `nextBreakerState`, `initialBreakerState`, `DEFAULT_BREAKER_CONFIG` (the feed's breaker),
 * `decideLease`, `askAgainAt` (shared/lease), `SingleFlight` (the edge's per-isolate coalescing),
 * `RenderLeases` (the edge's render lease client), `EventBuffer` and `rollUp` (the events pipeline's
 * producer and consumer).
 */
export async function loadDecisions() {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, 'decisions.mjs');
  await build({
    stdin: {
      contents: [
        "export { admit, nextBreakerState, initialBreakerState, DEFAULT_BREAKER_CONFIG } from './workers/feed/src/breaker.ts';",
        "export { askAgainAt, decideLease } from './shared/lease/lease.ts';",
        "export { SingleFlight } from './workers/edge/src/budget.ts';",
        "export { RenderLeases } from './workers/edge/src/render-lease.ts';",
        "export { EventBuffer } from './shared/events/buffer.ts';",
        "export { rollUp } from './shared/events/rollup.ts';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    outfile,
    platform: 'node',
    logLevel: 'error',
  });
  return import(pathToFileURL(outfile).href);
}
