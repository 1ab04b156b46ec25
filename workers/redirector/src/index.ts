import { handle } from './app.ts';

export default { fetch: handle } satisfies ExportedHandler<RedirectorEnv>;
