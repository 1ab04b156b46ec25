// The workers of this repo, their local ports under `npm start`, and the other local processes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every worker of the product, in start order (dependencies first).
 * @type {ReadonlyArray<{ name: string, port: number }>}
 */
export const WORKERS = [
  { name: 'assets', port: 8788 },
  { name: 'renderer', port: 8792 },
  { name: 'feed', port: 8791 },
  { name: 'edge', port: 8787 },
  { name: 'shortener', port: 8789 },
  { name: 'redirector', port: 8790 },
  { name: 'console', port: 8794 },
];

export const WORKER_NAMES = WORKERS.map((w) => w.name);

/** The demo services (the recommender stand-in). */
export const RECOMMENDER_PORT = 8793;
/** The self-hosted render service, when `npm start -- --render-service` runs it. */
export const RENDER_SERVICE_PORT = 8795;

/**
 * Every worker, after checking that each one's entry exists in the checkout at `base`: a missing
 * worker is an error that names it, never a stack or a check that silently runs without it.
 */
export function productWorkers(base = root) {
  const missing = WORKERS.filter((w) => !existsSync(`${base}/workers/${w.name}/src/index.ts`));
  if (missing.length > 0) {
    const list = missing.map((w) => `workers/${w.name}/src/index.ts`).join(', ');
    throw new Error(`missing worker entry: ${list} (every worker of the product must exist)`);
  }
  return WORKERS;
}

/** PascalCase interface name for a worker's generated Env type, e.g. `ShortenerEnv`. @param {string} name */
export function envInterface(name) {
  return `${name[0]?.toUpperCase()}${name.slice(1)}Env`;
}
