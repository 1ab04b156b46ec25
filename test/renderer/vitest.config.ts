import type { UserWorkspaceConfig } from 'vitest/config';
import { ensureBrowserRenderingShim } from '../../scripts/chromium.mjs';
import { SERVICE_ENV, SERVICE_TOKEN } from '../renderer-node/global-setup.ts';
import { unexpectedOutbound, workerProject } from '../support/project.ts';

// The BROWSER binding launches a Chrome that Miniflare would otherwise download (offline here): a shim
// under $XDG_CACHE_HOME execs the packaged Chromium. It must be in place before Miniflare starts.
const { XDG_CACHE_HOME } = await ensureBrowserRenderingShim();
process.env.XDG_CACHE_HOME = XDG_CACHE_HOME;

/** The worker may reach the local render service started by globalSetup, and nothing else. */
async function renderServiceOnly(request: Request): Promise<Response> {
  const service = process.env[SERVICE_ENV];
  if (!service || new URL(request.url).origin !== new URL(service).origin) return unexpectedOutbound(request);
  // Miniflare's Request is its own undici's: pass the parts, not the object, to Node's fetch.
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers: Object.fromEntries(request.headers), body });
}

const project = workerProject('renderer', {
  miniflare: { bindings: { RENDER_TOKEN: SERVICE_TOKEN }, outboundService: renderServiceOnly },
  testTimeout: 60_000,
}) as UserWorkspaceConfig;

// The fixture site the browser renders is served from Node (the browser reaches it directly).
export default { ...project, test: { ...project.test, globalSetup: ['test/renderer-node/global-setup.ts'] } };
