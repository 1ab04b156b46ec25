/** The feed's operator API, stood in: the breaker of one upstream, its window, timeline and series, and forcing it. */
import type { BreakerStats, UpstreamStats } from '../../../shared/operator/breaker.ts';
import { errorJson, json, wave, window } from './support.ts';

export interface FeedData {
  forced: 'open' | 'closed' | null;
  timeline: UpstreamStats['timeline'];
}

export function feedData(): FeedData {
  const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return {
    forced: null,
    timeline: [
      { at: at(6), from: 'closed', to: 'open', reason: 'failure rate 60% over 20 calls' },
      { at: at(5.9), from: 'open', to: 'half-open', reason: 'open wait over' },
      { at: at(5.8), from: 'half-open', to: 'closed', reason: '2 probes succeeded' },
    ],
  };
}

export function answerFeed(data: FeedData, method: string, url: URL, body: string): Response | null {
  if (url.pathname === '/api/feed/_stats' && method === 'GET') return json(stats(data, url));
  if (url.pathname === '/api/feed/_status' && method === 'GET')
    return json({ upstream: 'http://localhost:8793', breaker: { status: state(data), forced: data.forced } });
  if (url.pathname === '/api/feed/_status' && method === 'POST') {
    let mode: unknown;
    try {
      mode = (JSON.parse(body) as { mode?: unknown }).mode;
    } catch {
      return errorJson(400, 'invalid_json', 'body is not valid JSON', 'body');
    }
    if (mode !== 'open' && mode !== 'closed' && mode !== 'auto')
      return errorJson(400, 'invalid_body', 'mode: must be one of "open", "closed", "auto"', 'mode');
    const before = state(data);
    data.forced = mode === 'auto' ? null : mode;
    const after = state(data);
    if (after !== before) data.timeline.push({ at: new Date().toISOString(), from: before, to: after, reason: `forced ${mode}` });
    return json({ mode, shared: true });
  }
  return null;
}

function state(data: FeedData): 'closed' | 'open' {
  return data.forced === 'open' ? 'open' : 'closed';
}

function stats(data: FeedData, url: URL): BreakerStats {
  const { bucket, from, to, starts } = window(url);
  const series = starts.map((t, i) => {
    const tripped = i === starts.length - 7;
    return {
      t: new Date(t).toISOString(),
      live: wave(i, 40, 60),
      degraded: tripped ? 25 : i % 6 === 0 ? 2 : 0,
      failures: tripped ? 12 : i % 6 === 0 ? 1 : 0,
      slowCalls: wave(i, 0, 2),
      trips: tripped ? 1 : 0,
      recoveries: tripped ? 1 : 0,
    };
  });
  const live = series.reduce((n, s) => n + s.live, 0);
  const degraded = series.reduce((n, s) => n + s.degraded, 0);
  return {
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    upstreams: [
      {
        upstream: 'http://localhost:8793',
        state: state(data),
        forced: data.forced,
        window: { calls: 20, failureRate: 5, slowCallRate: 10 },
        degradedShare: degraded / Math.max(1, live + degraded),
        trips: data.timeline.filter((t) => t.to === 'open').length,
        timeline: data.timeline,
        series,
      },
    ],
  };
}
