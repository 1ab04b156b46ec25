/**
 * The redirector's bindings as its code sees them: the generated `RedirectorEnv`, with the
 * Durable Object it binds from the shortener (`script_name = "shortener"`) typed from the
 * shortener's own class by a type-only import, so its RPC methods are checked against the class.
 */
import type { LinkAuthority } from '../../shortener/src/authority.ts';

export interface Env extends Omit<RedirectorEnv, 'LINK_AUTHORITY'> {
  LINK_AUTHORITY: DurableObjectNamespace<LinkAuthority>;
}

/** The code's authority stub. */
export type AuthorityStub = DurableObjectStub<LinkAuthority>;
