/**
 * The cron trigger: sitemap warm-up (warmup.ts) and the refresh pass (refresh-pass.ts) every run, and
 * the rollups' retention once an hour.
 */
import { pruneRollups } from '../../../shared/events/schema.ts';
import { depsOf } from './deps.ts';
import { runRefreshPass } from './refresh-pass.ts';
import { warmUp } from './warmup.ts';

export async function scheduled(controller: ScheduledController, env: EdgeEnv, ctx: ExecutionContext): Promise<void> {
  const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
  ctx.waitUntil(warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, { ...depsOf(env), waitUntil }));
  ctx.waitUntil(runRefreshPass({ ...depsOf(env), index: env.PRERENDER_INDEX, assets: env.ASSETS_SERVICE, waitUntil }));
  if (new Date(controller.scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(pruneRollups(env.EVENTS_DB));
}
