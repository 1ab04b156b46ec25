// Extra bindings the edge test project adds (test/edge/vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TIGHT_GLOBAL_LIMIT: RateLimit;
    TIGHT_CATEGORY_LIMIT: RateLimit;
    WARM_INDEX: KVNamespace;
    REFRESH_INDEX: KVNamespace;
  }
}
