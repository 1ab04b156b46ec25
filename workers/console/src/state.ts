/**
 * What the console keeps per isolate (shared/isolate.ts): its config, the Access signing keys (a
 * remote JWKS, fetched and cached by jose), the session key, and the static files' serving state.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { perIsolate } from '../../../shared/isolate.ts';
import { securityConfigFrom } from '../../assets/src/headers.ts';
import { History } from '../../assets/src/history.ts';
import { ManifestLoader } from '../../assets/src/manifest.ts';
import { answerMap, type ServeOptions } from '../../assets/src/serve.ts';
import { consoleConfig, type ConsoleConfig } from './config.ts';

const MB = 1024 * 1024;
/** Access JWKS fetches: a slow team domain must not hold a page for long (jose's default is 5 s). */
const JWKS_TIMEOUT_MS = 3_000;

export interface ConsoleState {
  config: ConsoleConfig;
  /** The session and CSRF key: SESSION_SECRET's bytes. */
  secret: Uint8Array;
  /** Access's signing keys, or null in local mode. */
  accessKeys: JWTVerifyGetKey | null;
  assets: ServeOptions;
}

export const consoleState = perIsolate((env: ConsoleEnv): ConsoleState => {
  const config = consoleConfig(env);
  return {
    config,
    secret: new TextEncoder().encode(config.sessionSecret),
    accessKeys:
      config.mode === 'access'
        ? createRemoteJWKSet(new URL(`${config.accessTeam}/cdn-cgi/access/certs`), { timeoutDuration: JWKS_TIMEOUT_MS })
        : null,
    assets: {
      assets: env.ASSETS,
      security: securityConfigFrom(env),
      manifest: new ManifestLoader(env.ASSETS),
      // No skew window for the console UI: a deploy replaces it whole.
      history: new History({ get: async () => null }),
      // The UI is a few hundred KB in all: every variant fits.
      bytes: new BoundedMap<Uint8Array>({ maxEntries: 1_000, maxBytes: 8 * MB, maxValueBytes: 2 * MB, sizeOf: (b) => b.byteLength }),
      answers: answerMap(),
    },
  };
});
