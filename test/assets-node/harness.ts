/** The assets worker from wrangler.toml [env.assets], on a real local port (Miniflare via wrangler). */
import { fileURLToPath } from 'node:url';
import { createTestHarness } from 'wrangler';

export const CONFIG_PATH = fileURLToPath(new URL('../../wrangler.toml', import.meta.url));
export const BUILD_DIR = fileURLToPath(new URL('../../build/assets', import.meta.url));

export async function startAssetsWorker(): Promise<{ origin: string; close: () => Promise<void> }> {
  const harness = createTestHarness({ workers: [{ configPath: CONFIG_PATH, env: 'assets' }] });
  const { url } = await harness.listen();
  return { origin: url.origin, close: () => harness.close() };
}
