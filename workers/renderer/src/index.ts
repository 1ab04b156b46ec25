/** renderer: renders a URL of our own site to HTML in headless Chromium (README.md). */
import { app } from './app.ts';

export default { fetch: app.fetch } satisfies ExportedHandler<RendererEnv>;
