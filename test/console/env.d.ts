// Bindings only the tests have (test/console/vitest.config.ts): the stand-in owners' control panels.
declare namespace Cloudflare {
  interface Env {
    SHORTENER_CONTROL: Fetcher;
    EDGE_CONTROL: Fetcher;
    FEED_CONTROL: Fetcher;
  }
}
