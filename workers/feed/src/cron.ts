/**
 * The cron trigger (`[env.feed.triggers] crons`): refreshes every tab's KV tier from the
 * recommender's anonymous feed, through the breaker. Open: it stays away (or sends the probe
 * when one is due); the tiers it would refresh are exactly what is being served meanwhile.
 * Once an hour it also prunes the event rollups past their retention.
 */
import { pruneRollups } from '../../../shared/events/schema.ts';
import { log } from '../../../shared/log.ts';
import { feedContext, refreshTab } from './feed.ts';
import { feedState, type FeedState } from './state.ts';

export async function refreshFeeds(env: FeedEnv, ctx: ExecutionContext, scheduledTime = Date.now()): Promise<void> {
  if (new Date(scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(prune(env.EVENTS_DB));
  let state: FeedState;
  try {
    state = feedState(env);
  } catch (error) {
    log('error', 'feed.cron.config_invalid', { error: String(error instanceof Error ? error.message : error) });
    throw error;
  }
  const { config } = state;
  const fc = feedContext(state, ctx);
  const results: Record<string, string> = {};
  for (const tab of config.tabs) {
    const admission = fc.breaker.admission(Date.now());
    if (admission === 'call') {
      const outcome = await refreshTab(fc, tab, false);
      results[tab] = outcome === undefined ? 'ignored' : outcome.failed ? 'failed' : 'refreshed';
    } else if (admission === 'probe') {
      await fc.breaker.probe(fc.stub, () => refreshTab(fc, tab, true));
      results[tab] = 'probed';
    } else {
      results[tab] = 'skipped (breaker open)';
    }
  }
  fc.breaker.maybeSync(ctx, fc.stub, Date.now());
  log('info', 'feed.cron.refreshed', results);
}

/** A failed prune is retried by the next hour's run; the rows it would drop are only old counts. */
async function prune(db: D1Database): Promise<void> {
  try {
    log('info', 'feed.cron.pruned', { rows: await pruneRollups(db) });
  } catch (error) {
    log('warn', 'feed.cron.prune_failed', { error: String(error) });
  }
}
