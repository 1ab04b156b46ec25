// Bindings of the events test project (test/events/vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    EVENTS: Queue;
    DB: D1Database;
  }
}
