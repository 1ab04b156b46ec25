import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The README's promise: `npm start` answers on the brief's ports for every worker that exists.
const root = fileURLToPath(new URL('../..', import.meta.url));
const PORTS: Record<string, number> = { edge: 8787, assets: 8788, shortener: 8789, redirector: 8790, feed: 8791, renderer: 8792 };
const present = Object.keys(PORTS).filter((name) => existsSync(`${root}/workers/${name}/src/index.ts`));

describe('npm start', () => {
  it.each(present)('%s answers on its port', async (name) => {
    const response = await fetch(`http://localhost:${PORTS[name]}/`, { redirect: 'manual' });
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(500);
  });
});
