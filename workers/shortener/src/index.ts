import { WorkerEntrypoint } from 'cloudflare:workers';
import { operatorApp, publicApp } from './app.ts';
import { consumeClicks, maintain } from './events.ts';

export { LinkAuthority } from './authority.ts';
export { IdempotencyKeys } from './idempotency.ts';

/**
 * The console's way in (`{ service = "shortener", entrypoint = "OperatorApi" }`): the API's routes
 * at their public paths, without a token, the operator named by `X-Operator`.
 */
export class OperatorApi extends WorkerEntrypoint<ShortenerEnv> {
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(operatorApp.fetch(request, this.env, this.ctx));
  }
}

export default { fetch: publicApp.fetch, queue: consumeClicks, scheduled: maintain } satisfies ExportedHandler<ShortenerEnv>;
