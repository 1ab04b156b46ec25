/**
 * The shortener's side of the click pipeline: the queue consumer that rolls the redirector's click
 * events up into its D1 database (`LINK_STATS`), for both `link-clicks` and its dead-letter queue,
 * and the cron that prunes old rollups and backfills the catalog.
 *
 * Retention (shared/events/schema.ts): per-minute rows 2 days, per-hour rows 400 days (hour and day
 * buckets of every chart are summed from them), consumed message ids 7 days.
 */
import { consumeEvents } from '../../../shared/events/rollup.ts';
import { pruneRollups } from '../../../shared/events/schema.ts';
import { LINK_PREFIX } from '../../../shared/links/keys.ts';
import { log } from '../../../shared/log.ts';
import { backfillCatalog } from './catalog.ts';

export async function consumeClicks(batch: MessageBatch<unknown>, env: ShortenerEnv): Promise<void> {
  await consumeEvents(batch, env.LINK_STATS);
}

export async function maintain(_controller: ScheduledController, env: ShortenerEnv): Promise<void> {
  const pruned = await pruneRollups(env.LINK_STATS);
  const backfilled = await backfillCatalog(env.LINK_STATS, env.LINKS, LINK_PREFIX);
  log('info', 'links.maintained', { pruned, backfilled });
}
