/**
 * What hono-openapi's zod converter (@standard-community/standard-json) takes from `zod/v4/core`:
 * only `toJSONSchema`. It imports the whole module namespace, locales and all (about 400 KB), so
 * the top-level `alias` of wrangler.toml points that specifier here when a worker is bundled.
 */
export { toJSONSchema } from 'zod/mini';
