/**
 * What the assets worker keeps between requests of one isolate, built once per `env`
 * (shared/isolate.ts): its config, the build manifest, the skew window's manifest, and the bytes of
 * hot variants. Tests get a fresh isolate from a fresh copy of `env`.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { ConfigError } from '../../../shared/config.ts';
import { perIsolate } from '../../../shared/isolate.ts';
import { securityConfigFrom } from './headers.ts';
import { assetsFolderStore, History, r2Store, type HistoryStore } from './history.ts';
import { ManifestLoader } from './manifest.ts';
import { answerMap, type ServeOptions } from './serve.ts';

const MB = 1024 * 1024;

/**
 * Where earlier builds' files are read from (`HISTORY_STORE`): `assets`, the build folder's
 * `.history` through the ASSETS binding (local); `r2`, the `HISTORY` bucket the deploy appends to.
 */
export function historyStoreOf(env: Pick<AssetsEnv, 'ASSETS' | 'HISTORY' | 'HISTORY_STORE'>): HistoryStore {
  const store: string = env.HISTORY_STORE;
  if (store === 'r2') return r2Store(env.HISTORY);
  if (store === 'assets') return assetsFolderStore(env.ASSETS);
  throw new ConfigError('HISTORY_STORE', `"${store}" is not one of assets, r2`);
}

export const assetsState = perIsolate((env: AssetsEnv): ServeOptions => ({
  assets: env.ASSETS,
  security: securityConfigFrom(env),
  manifest: new ManifestLoader(env.ASSETS),
  history: new History(historyStoreOf(env)),
  // 128 MB of memory per isolate in production: up to 24 MB of variants, none over 4 MB (bigger
  // files are streamed). The demo build is well under 1 MB: after the first request of each
  // file, no request reaches the binding.
  bytes: new BoundedMap<Uint8Array>({ maxEntries: 10_000, maxBytes: 24 * MB, maxValueBytes: 4 * MB, sizeOf: (b) => b.byteLength }),
  answers: answerMap(),
}));
