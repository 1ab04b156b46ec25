/** The cron trigger: sitemap warm-up (workers/edge/src/warmup.ts). */
import { depsOf } from './deps.ts';
import { warmUp } from './warmup.ts';

export async function scheduled(_controller: ScheduledController, env: EdgeEnv, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(warmUp(env.ASSETS_SERVICE, env.PRERENDER_INDEX, depsOf(env)));
}
