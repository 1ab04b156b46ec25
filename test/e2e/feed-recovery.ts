/**
 * For e2e files that trip the shared breaker: after switching the demo recommender back on, waits
 * until the feed answers live again (the open wait, then half-open probes), so the files that run
 * after see a healthy feed rather than the end of this file's outage.
 */
export async function untilFeedLive(feed: string, seconds = 60): Promise<void> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const response = await fetch(`${feed}/api/feed/home?user=recovery`);
    const mode = response.headers.get('X-Feed-Mode');
    await response.body?.cancel();
    if (mode === 'live') return;
    if (Date.now() > until) throw new Error(`the feed still answers ${mode} ${seconds} s after the recommender came back`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
