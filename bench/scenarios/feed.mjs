// The feed worker: a degraded answer while the breaker is open, a live answer through the worker
// versus the recommender itself, and p99 while the recommender hangs (after the trip); then the
// resilience scorecard (feed/scorecard.mjs). The demo recommender runs in-process on a free port;
// the worker is its deploy bundle in Miniflare, events on (its queue and D1 as wrangler.toml has them).
import { feedFor, startRecommender } from '../../demo/recommender/server.mjs';
import { scorecard } from './feed/scorecard.mjs';

const ADMIN_TOKEN = 'bench-admin-token';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' };

/** @param {import('../lib.mjs').Bench} bench */
export default async function feed(bench) {
  /** @type {number[]} when each feed request reached the recommender (the scorecard counts calls with it) */
  const calls = [];
  const recommender = await startRecommender({ mode: 'ok', onRequest: (at) => calls.push(at) });
  try {
    const worker = await bench.start('feed', { vars: { RECOMMENDER_URL: recommender.url }, secrets: { ADMIN_TOKEN } });
    // The baseline answers a body of the same size as a degraded feed, with nothing else to do.
    const base = await bench.baseline({
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tab: 'home', mode: 'degraded', source: 'cache', items: feedFor('home', null).items }),
    });
    const force = async (/** @type {string} */ mode) => {
      const response = await fetch(`${worker.url}/api/feed/_status`, { method: 'POST', headers: admin, body: JSON.stringify({ mode }) });
      if (response.status !== 200) throw new Error(`feed: forcing ${mode} answered ${response.status}`);
    };
    const breakerStatus = async () => (await (await fetch(`${worker.url}/api/feed/_status`, { headers: admin })).json()).breaker.status;
    const request = { url: `${worker.url}/api/feed/home?user=alice` };

    // An anonymous live answer fills the KV tier, then the breaker is forced open.
    if ((await fetch(`${worker.url}/api/feed/home`)).headers.get('X-Feed-Mode') !== 'live') throw new Error('feed: not live at start');
    await force('open');
    await bench.compare({
      scenario: 'feed: degraded answer while open (cached feed)',
      request,
      baselineName: 'bare worker: constant 200 JSON',
      baseline: { url: `${base.url}/` },
      goal: 0.8,
      expectStatus: 200,
    });

    // A real recommender ranks for a while; the demo one answers at once, which would measure
    // workerd's outbound fetch against a bare Node server instead of the worker's overhead.
    recommender.setMode({ mode: 'slow', delayMs: 50 });
    await force('auto');
    await bench.compare({
      scenario: 'feed: live answer through the worker vs the recommender directly (recommender answering in 50 ms)',
      request,
      baselineName: 'demo recommender called directly',
      baseline: { url: `${recommender.url}/feed/home?user=alice` },
      goal: 0.9,
      expectStatus: 200,
    });

    // Hang, then trip it the way production would: calls time out (800 ms) until the window judges.
    recommender.setMode({ mode: 'hang' });
    await force('auto');
    await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${worker.url}/api/feed/home?user=t${i}`).then((r) => r.text())));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the outcomes reach the Durable Object
    const status = await breakerStatus();
    if (status !== 'open') throw new Error(`feed: expected the breaker open after the trip, saw ${status}`);
    await bench.compare({
      scenario: 'feed: p99 while the recommender hangs, after the trip (ratio = baseline_p99 / ours_p99; goal: ours under 2x)',
      request,
      baselineName: 'bare worker: constant 200 JSON',
      baseline: { url: `${base.url}/` },
      goal: 0.5,
      measure: 'p99',
      expectStatus: 200,
    });

    await scorecard(bench, recommender, calls);
  } finally {
    await recommender.close();
  }
}
