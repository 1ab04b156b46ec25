/**
 * What `zod/v4/core` resolves to in worker bundles (wrangler.toml `[alias]`): only `toJSONSchema`,
 * the one export hono-openapi's zod vendor loads from it to build OpenAPI documents. The real
 * module also carries zod's whole core and every locale message file (~400 KB minified).
 */
export { toJSONSchema } from 'zod/mini';
