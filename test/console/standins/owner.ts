/**
 * A stand-in for an owner of operator data (shortener, edge or feed, named by the `OWNER` binding):
 * a worker whose named entrypoint `OperatorApi` answers the operator API contract of
 * shared/operator/ with small in-memory data, the way the real owner's entrypoint will. The console
 * reaches it through its real service binding, so this is the network boundary, mocked.
 *
 * A route the contract does not have answers 501 and is recorded: tests read `/_standin/unknown`
 * and fail on anything there. The default export is the test's control panel:
 *   POST /_standin/mode   { "mode": "ok" | "down" | "garbage" | "wrong-shape" | "hang" | "refuse" | "throw" }
 *   GET  /_standin/seen   requests the entrypoint got (method, path, X-Operator, body)
 *   GET  /_standin/unknown
 *   POST /_standin/reset  data and mode back to the start
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { answerEdge, edgeData } from './edge.ts';
import { answerFeed, feedData } from './feed.ts';
import { answerShortener, shortenerData } from './shortener.ts';
import { errorJson, type Seen, type StandInMode } from './support.ts';

interface Env {
  OWNER: 'shortener' | 'edge' | 'feed';
}

/**
 * One isolate per stand-in worker: its data lives here, as an owner's store would. Built on the
 * first request, not at module load (workerd's clock reads 0 until a request runs).
 */
function freshWorld() {
  return {
    mode: 'ok' as StandInMode,
    seen: [] as Seen[],
    unknown: [] as string[],
    shortener: shortenerData(),
    edge: edgeData(),
    feed: feedData(),
  };
}
let current: ReturnType<typeof freshWorld> | null = null;
const worldOf = () => (current ??= freshWorld());

async function answer(owner: Env['OWNER'], request: Request): Promise<Response> {
  const world = worldOf();
  const url = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
  world.seen.push({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    operator: request.headers.get('X-Operator'),
    body,
    contentType: request.headers.get('Content-Type'),
  });
  switch (world.mode) {
    case 'down':
      // What `wrangler dev`'s dev registry answers for a worker that is not running.
      return new Response(`Worker "${owner}" not found. Make sure it is running locally.`, { status: 503 });
    case 'garbage':
      return new Response('{"totally": "not the contract"', { status: 200, headers: { 'Content-Type': 'application/json' } });
    case 'wrong-shape':
      return Response.json({ code: 42, totally: 'not the contract' });
    case 'refuse':
      return errorJson(401, 'unauthorized', 'send Authorization: Bearer <token>', 'Authorization');
    case 'throw':
      throw new Error('stand-in crashed (a stack trace that must not reach the browser)');
    case 'hang':
      // Slow rather than stuck: a promise that can never settle is cancelled by workerd as a hang.
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      return errorJson(504, 'too_late', 'answered after the console gave up');
    case 'ok':
      break;
  }
  const found =
    owner === 'shortener'
      ? answerShortener(world.shortener, request.method, url, body, request.headers)
      : owner === 'edge'
        ? answerEdge(world.edge, request.method, url, body)
        : answerFeed(world.feed, request.method, url, body);
  if (found !== null) return found;
  world.unknown.push(`${owner}: ${request.method} ${url.pathname}${url.search}`);
  return errorJson(501, 'not_implemented', `the ${owner} stand-in has no route for ${request.method} ${url.pathname}`);
}

export class OperatorApi extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Promise<Response> {
    return answer(this.env.OWNER, request);
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const world = worldOf();
    if (url.pathname === '/_standin/mode' && request.method === 'POST') {
      world.mode = ((await request.json()) as { mode: StandInMode }).mode;
      return Response.json({ mode: world.mode });
    }
    if (url.pathname === '/_standin/seen') return Response.json(world.seen);
    if (url.pathname === '/_standin/unknown') return Response.json(world.unknown);
    if (url.pathname === '/_standin/reset' && request.method === 'POST') {
      current = freshWorld();
      return Response.json({ reset: env.OWNER });
    }
    return new Response('the stand-in is reached through its OperatorApi entrypoint', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
