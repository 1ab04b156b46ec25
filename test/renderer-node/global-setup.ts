/**
 * vitest globalSetup of the `renderer` (workerd) project: serves the fixture site and runs the
 * self-hosted render service, both in Node, and hands their addresses to the tests.
 */
import type { TestProject } from 'vitest/node';
import { startFixtureSite } from './fixture-site.ts';
import { startRenderServiceProcess } from './render-service-process.ts';

/** The one origin the worker under test may reach over the network (see test/renderer/vitest.config.ts). */
export const SERVICE_ENV = 'RENDERER_TEST_SERVICE_URL';
export const SERVICE_TOKEN = 'test-render-token';

export default async function setup(project: TestProject) {
  const site = await startFixtureSite();
  // Its own process: puppeteer-core needs Node's module conditions, not the workerd ones of this project.
  const service = await startRenderServiceProcess({
    RENDER_TOKEN: SERVICE_TOKEN,
    SITE_ORIGINS: site.siteOrigin,
    RENDER_ALLOWED_ORIGINS: site.apiOrigin,
    RENDER_TIMEOUT_MS: '3000',
    RENDER_IDLE_CAP_MS: '1500',
  });
  process.env[SERVICE_ENV] = service.url;
  project.provide('fixtureSite', { siteOrigin: site.siteOrigin, apiOrigin: site.apiOrigin, offsiteOrigin: site.offsiteOrigin });
  project.provide('renderServiceUrl', service.url);
  return async () => {
    await service.stop();
    await site.close();
  };
}
