/** The cron trigger: sitemap warm-up (warmup.ts) every run, and the rollups' retention once an hour. */
import { pruneRollups } from '../../../shared/events/schema.ts';
import { depsOf } from './deps.ts';
import { warmUp } from './warmup.ts';

export async function scheduled(controller: ScheduledController, env: EdgeEnv, ctx: ExecutionContext): Promise<void> {
  const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
  ctx.waitUntil(warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, { ...depsOf(env), waitUntil }));
  if (new Date(controller.scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(pruneRollups(env.EVENTS_DB));
}
