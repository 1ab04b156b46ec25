/** scripts/workers.mjs: the stack, the checks and the types fail loudly when a worker is missing. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKERS, productWorkers } from '../../scripts/workers.mjs';

let checkout: string | undefined;
afterEach(() => {
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

/** A checkout holding the entries of `names` only. */
function checkoutWith(names: string[]): string {
  checkout = mkdtempSync(join(tmpdir(), 'edge-workers-checkout-'));
  for (const name of names) {
    mkdirSync(join(checkout, 'workers', name, 'src'), { recursive: true });
    writeFileSync(join(checkout, 'workers', name, 'src', 'index.ts'), 'export default {};\n');
  }
  return checkout;
}

describe('productWorkers', () => {
  it('lists every worker of the product when all exist (this checkout)', () => {
    expect(productWorkers().map((w) => w.name)).toEqual(['assets', 'renderer', 'feed', 'edge', 'shortener', 'redirector', 'console']);
  });

  it('names every missing entry instead of skipping it', () => {
    const base = checkoutWith(WORKERS.map((w) => w.name).filter((name) => name !== 'feed' && name !== 'renderer'));
    expect(() => productWorkers(base)).toThrow(
      'missing worker entry: workers/renderer/src/index.ts, workers/feed/src/index.ts (every worker of the product must exist)',
    );
  });
});
