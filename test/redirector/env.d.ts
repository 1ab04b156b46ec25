// Bindings only the tests have (test/redirector/vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    /** The real shortener, an auxiliary worker in the same Miniflare. */
    SHORTENER: Fetcher;
  }
}
