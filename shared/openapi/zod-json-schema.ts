/**
 * Stands in for `zod/v4/core` in the workers' bundles (the top-level `alias` of wrangler.toml).
 * hono-openapi converts schemas through `await import('zod/v4/core')`, whose namespace (every
 * locale, every check) cannot be tree-shaken: 70 KB gzipped in the feed's bundle for one function.
 * Its only use of the module is `toJSONSchema`, which zod/mini exports on its own. The workers'
 * code imports zod through `zod/mini`, whose modules reach the core by relative paths, and imports
 * from `zod/v4/core` only types, so nothing else is swapped.
 */
export { toJSONSchema } from 'zod/mini';
