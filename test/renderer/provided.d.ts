// Values the renderer project's globalSetup (test/renderer-node/global-setup.ts) provides to tests.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtureSite: { siteOrigin: string; apiOrigin: string; offsiteOrigin: string };
    /** The self-hosted render service (services/render-service) running on the same fixture site. */
    renderServiceUrl: string;
  }
}
