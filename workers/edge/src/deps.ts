/** Builds the edge's collaborators from its bindings, once per request (they hold no I/O state). */
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
  return config.renderServiceUrl ? serviceRenderer(config.renderServiceUrl, env.RENDER_TOKEN) : bindingRenderer(env.RENDERER, env.RENDER_TOKEN);
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
