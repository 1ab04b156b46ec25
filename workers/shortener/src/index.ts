import { app } from './app.ts';

export { LinkAuthority } from './authority.ts';
export { IdempotencyKeys } from './idempotency.ts';

export default { fetch: app.fetch } satisfies ExportedHandler<ShortenerEnv>;
