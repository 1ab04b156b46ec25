/** Builds the edge's collaborators from its bindings (they hold no I/O state). */
import { listVar } from '../../../shared/config.ts';
import { readConfig, type EdgeConfig } from './config.ts';
import { RenderBudget } from './budget.ts';
import { bindingRenderer, serviceRenderer, type Renderer } from './renderer.ts';
import { SnapshotStore } from './store.ts';
import { hotCache } from './hot-cache.ts';

// Config parsing is pure, so it is done once per `env` object (one per isolate in workerd).
const configs = new WeakMap<object, EdgeConfig>();
export function configOf(env: EdgeEnv): EdgeConfig {
  let config = configs.get(env);
  if (!config) configs.set(env, (config = readConfig(env)));
  return config;
}

export function rendererOf(env: EdgeEnv, config: EdgeConfig): Renderer {
  const token = sendingToken(env.RENDER_TOKEN);
  return config.renderServiceUrl ? serviceRenderer(config.renderServiceUrl, token) : bindingRenderer(env.RENDERER, token);
}

/**
 * The token the edge sends: the first of a comma-separated RENDER_TOKEN. The renderer accepts any
 * token of its own list, so a rotation sets "new,old" on the renderer first, then "new" (or
 * "new,old") here, and never sends the whole list as one token.
 */
export function sendingToken(value: string | undefined): string | undefined {
  return listVar(value)[0];
}

export function depsOf(env: EdgeEnv) {
  const config = configOf(env);
  return {
    config,
    store: new SnapshotStore(env.PRERENDER_INDEX, env.SNAPSHOTS, { cache: hotCache, ttlMs: config.hotCacheSeconds * 1000 }),
    renderer: rendererOf(env, config),
    budget: new RenderBudget(env.RENDER_LIMIT_GLOBAL, env.RENDER_LIMIT_CATEGORY),
  };
}

/**
 * The front door's collaborators, built once per `env` object like the config: a crawler's cache
 * hit then allocates none of them. (Admin and cron calls use `depsOf`, whose store counts the
 * operations of that one call; the front door's counters are never reported.)
 */
const frontDoorDeps = new WeakMap<object, ReturnType<typeof depsOf> & { assets: Fetcher }>();
export function frontDoorDepsOf(env: EdgeEnv): ReturnType<typeof depsOf> & { assets: Fetcher } {
  let deps = frontDoorDeps.get(env);
  if (!deps) frontDoorDeps.set(env, (deps = { ...depsOf(env), assets: env.ASSETS_SERVICE }));
  return deps;
}
