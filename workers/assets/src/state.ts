/**
 * What the assets worker keeps between requests of one isolate, built once per `env`
 * (shared/isolate.ts): its config, the build manifest, and the bytes of hot variants. Tests get a
 * fresh isolate from a fresh copy of `env`.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { perIsolate } from '../../../shared/isolate.ts';
import { securityConfigFrom } from './headers.ts';
import { ManifestLoader } from './manifest.ts';
import type { ServeOptions } from './serve.ts';

const MB = 1024 * 1024;

export const assetsState = perIsolate((env: AssetsEnv): ServeOptions => ({
  assets: env.ASSETS,
  security: securityConfigFrom(env),
  manifest: new ManifestLoader(env.ASSETS),
  // 128 MB of memory per isolate in production: up to 24 MB of variants, none over 4 MB (bigger
  // files are streamed). The demo build is well under 1 MB: after the first request of each
  // file, no request reaches the binding.
  bytes: new BoundedMap<Uint8Array>({ maxEntries: 10_000, maxBytes: 24 * MB, maxValueBytes: 4 * MB, sizeOf: (b) => b.byteLength }),
}));
