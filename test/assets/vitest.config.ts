import { ensureBuilt } from '../../scripts/build.mjs';
import { workerProject } from '../support/project.ts';

// The worker serves build/assets/, which Miniflare indexes when it starts: build it first (a no-op
// when nothing under demo/spa/ changed since the last build).
await ensureBuilt(null); // the worker tests are written against the demo SPA

export default workerProject('assets');
