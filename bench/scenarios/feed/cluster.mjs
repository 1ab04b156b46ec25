// The feed's deploy bundle as two workers in one Miniflare (two isolates: separate memory, separate
// breaker copies and concurrency limits) sharing its Durable Object namespaces (FeedBreaker, the
// aggregators, the write leases), one KV namespace and one event queue (consumed by the first into
// its D1), as two isolates of one deployment are. Requests go to either isolate by host; lanes drive both in a closed loop and
// record every answer with its times.
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';

export const ADMIN_TOKEN = 'bench-admin-token';
export const ISOLATES = /** @type {const} */ (['a', 'b']);

/**
 * @typedef {typeof ISOLATES[number]} Isolate
 * @typedef {{ isolate: Isolate, start: number, end: number, status: number, mode: string | null, reason: string | null }} Answer
 * @typedef {{ answers: Answer[], stop(): Promise<void> }} Load
 */

/**
 * @param {import('../../lib.mjs').Bench} bench
 * @param {Record<string, string>} vars
 */
export async function startCluster(bench, vars) {
  const base = bench.workerOptions('feed', { vars, secrets: { ADMIN_TOKEN } });
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...base,
          name: 'feed-a',
          routes: ['a.feed.bench/*'],
          queueConsumers: { 'feed-events': { maxBatchSize: 100, maxBatchTimeout: 1 } },
        },
        // The second binds the first one's classes: one namespace each, one object per name. One D1 owner.
        {
          ...base,
          name: 'feed-b',
          routes: ['b.feed.bench/*'],
          durableObjects: {
            BREAKER: { className: 'FeedBreaker', scriptName: 'feed-a', useSQLite: true },
            BREAKER_AGGREGATOR: { className: 'FeedBreakerAggregator', scriptName: 'feed-a', useSQLite: true },
            LEASES: { className: 'Leases', scriptName: 'feed-a', useSQLite: true },
          },
          queueConsumers: {},
          d1Databases: {},
        },
      ],
      cf: false,
      // Every breaker transition is logged; keep the bench's output to its table.
      handleStructuredLogs: () => {},
    }),
  );
  await mf.ready;

  /**
   * @param {Isolate} isolate
   * @param {string} path
   * @param {RequestInit} [init]
   */
  const request = (isolate, path, init) => mf.dispatchFetch(`http://${isolate}.feed.bench${path}`, /** @type {never} */ (init));

  /** @param {Isolate} isolate @param {string} path @returns {Promise<Answer>} */
  async function get(isolate, path) {
    const start = Date.now();
    const response = await request(isolate, path);
    const body = /** @type {{ mode?: string, reason?: string } | null} */ (await response.json().catch(() => null));
    return { isolate, start, end: Date.now(), status: response.status, mode: body?.mode ?? null, reason: body?.reason ?? null };
  }

  return {
    get,
    /** @param {'open' | 'closed' | 'auto'} mode */
    async force(mode) {
      const response = await request('a', '/api/feed/_status', {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ mode }),
      });
      if (response.status !== 200) throw new Error(`feed: forcing ${mode} answered ${response.status}`);
      await response.arrayBuffer();
    },
    /** The breaker's timeline (transitions with epoch ms) as the operator API answers it. */
    async timeline() {
      const response = await request('a', '/api/feed/_stats', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      const stats = /** @type {{ upstreams: { timeline: { at: string, from: string, to: string, reason: string }[] }[] }} */ (
        await response.json()
      );
      return (stats.upstreams[0]?.timeline ?? []).map((t) => ({ ...t, at: Date.parse(t.at) }));
    },
    /**
     * `lanes` closed loops per isolate, each sending its next request `pauseMs` after the last answer.
     * @param {{ lanes: number, pauseMs: number }} options
     * @returns {Load}
     */
    load({ lanes, pauseMs }) {
      /** @type {Answer[]} */
      const answers = [];
      let running = true;
      let n = 0;
      const lane = async (/** @type {Isolate} */ isolate) => {
        while (running) {
          answers.push(await get(isolate, `/api/feed/home?user=u${n++ % 50}`));
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      };
      const done = Promise.all(ISOLATES.flatMap((isolate) => Array.from({ length: lanes }, () => lane(isolate))));
      return {
        answers,
        async stop() {
          running = false;
          await done;
        },
      };
    },
    dispose: () => mf.dispose(),
  };
}

/**
 * Waits until `check()` holds, looking every 20 ms, at most `ms`; throws naming `what` after that.
 * @param {() => boolean | Promise<boolean>} check
 * @param {string} what
 */
export async function until(check, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`feed scorecard: ${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
