/**
 * `console`: the operators' web console. Signs operators in (Cloudflare Access, or a local token
 * under `npm start`), serves the UI, and forwards its API calls to the owners of the data over
 * service bindings. See ../README.md.
 */
import { app } from './app.ts';

export default { fetch: app.fetch } satisfies ExportedHandler<ConsoleEnv>;
