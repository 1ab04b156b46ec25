/**
 * A worker that owns an event stream the way edge, shortener and feed do: it counts on its fetch
 * path through an EventBuffer into its own queue, and rolls the queue up into its own D1.
 */
import { EventBuffer } from '../../shared/events/buffer.ts';
import { consumeEvents } from '../../shared/events/rollup.ts';
import { perIsolate } from '../../shared/isolate.ts';

interface Env {
  EVENTS: Queue;
  DB: D1Database;
}

const bufferOf = perIsolate((_env: Env) => new EventBuffer({ producer: 'test-worker', flushMs: 20 }));

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    const flush = bufferOf(env).count(env.EVENTS, 'clicks', url.searchParams.get('key') ?? 'k', url.searchParams.get('dim') ?? 'human');
    if (flush) ctx.waitUntil(flush);
    return new Response('counted');
  },
  async queue(batch, env) {
    await consumeEvents(batch, env.DB);
  },
} satisfies ExportedHandler<Env>;
