/**
 * `assets`: serves the SPA build with precompressed variants, validators, ranges and an SPA
 * fallback for page navigations only. See ../README.md.
 */
import { errorToResponse } from '../../../shared/http/errors.ts';
import { serveAsset } from './serve.ts';
import { assetsState } from './state.ts';

async function fetch(request: Request, env: AssetsEnv): Promise<Response> {
  try {
    return await serveAsset(request, assetsState(env));
  } catch (error) {
    const response = errorToResponse(error);
    response.headers.set('X-Content-Type-Options', 'nosniff');
    return response;
  }
}

export default { fetch } satisfies ExportedHandler<AssetsEnv>;
