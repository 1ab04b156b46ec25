// The workers of this repo, their local ports (../shared/BRIEF.md) and which of them exist yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Every worker the brief names, in start order (dependencies first). */
export const WORKERS = [
  { name: 'assets', port: 8788 },
  { name: 'renderer', port: 8792 },
  { name: 'edge', port: 8787 },
  { name: 'shortener', port: 8789 },
  { name: 'redirector', port: 8790 },
  { name: 'feed', port: 8791 },
];

export const RECOMMENDER_PORT = 8793;

/** Workers whose entry exists: a worker not built yet is simply not listed. */
export function existingWorkers() {
  return WORKERS.filter((w) => existsSync(`${root}/workers/${w.name}/src/index.ts`));
}

/** PascalCase interface name for a worker's generated Env type, e.g. `ShortenerEnv`. */
export function envInterface(name) {
  return `${name[0].toUpperCase()}${name.slice(1)}Env`;
}
