// The console in workerd with its real bindings (static assets over build/console, service bindings
// to named entrypoints), and stand-ins for the three owners as auxiliary workers named like them:
// the console's SHORTENER / EDGE / FEED bindings reach each stand-in's `OperatorApi` entrypoint,
// exactly as they reach the real owners. The stand-ins are bundled with esbuild (auxiliary workers
// run a prebuilt script); *_CONTROL bindings reach their default export, the tests' control panel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { bundleWorker } from '../support/bundle.ts';
import { workerProject } from '../support/project.ts';
import { SESSION_SECRET, TOKENS } from './secrets.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
await ensureConsoleBuilt();
const outdir = mkdtempSync(join(tmpdir(), 'console-test-'));
process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
bundleWorker(join(root, 'test/console/standins/owner.ts'), join(outdir, 'owner.js'));

const standIn = (owner: 'shortener' | 'edge' | 'feed') => ({
  name: owner,
  modules: true,
  scriptPath: join(outdir, 'owner.js'),
  modulesRoot: outdir,
  compatibilityDate: '2026-11-01',
  compatibilityFlags: ['nodejs_compat'],
  bindings: { OWNER: owner },
});

export default workerProject('console', {
  miniflare: {
    bindings: { SESSION_SECRET, CONSOLE_TOKENS: TOKENS.join(',') },
    serviceBindings: { SHORTENER_CONTROL: 'shortener', EDGE_CONTROL: 'edge', FEED_CONTROL: 'feed' },
    workers: [standIn('shortener'), standIn('edge'), standIn('feed')],
  },
});
