// Two instances of the feed worker (separate isolates: separate memory, separate breaker copies)
// sharing one FeedBreaker Durable Object namespace, one KV namespace and one event queue, as two
// isolates of one deployment do in production; the first consumes the queue into its D1. The
// worker is bundled with esbuild as wrangler would. `?user=` counts, as under `npm start`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { bundleWorker } from '../support/bundle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface FeedAnswer {
  status: number;
  mode: string | null;
  body: { mode: string; source: string; reason?: string; personalized: boolean; items: { id: string }[] } | null;
}

export interface Cluster {
  get(instance: 'a' | 'b', path: string, headers?: Record<string, string>): Promise<FeedAnswer>;
  dispose(): Promise<void>;
}

export async function startCluster(vars: Record<string, string>): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'feed-cluster-'));
  bundleWorker(join(root, 'workers/feed/src/index.ts'), join(dir, 'index.js'));
  const common = {
    modules: true,
    scriptPath: join(dir, 'index.js'),
    modulesRoot: dir,
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { ADMIN_TOKEN: 'cluster-admin-token', AUTH_QUERY_USER: 'true', ...vars },
    kvNamespaces: { FEED_CACHE: 'feed-cache' },
    queueProducers: { EVENTS: 'feed-events' },
  };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...common,
          name: 'feed-a',
          routes: ['a.feed.test/*'],
          durableObjects: { BREAKER: { className: 'FeedBreaker', useSQLite: true } },
          queueConsumers: { 'feed-events': { maxBatchSize: 100, maxBatchTimeout: 0.2 } },
          d1Databases: { EVENTS_DB: 'feed-events' },
        },
        // The second worker binds the first one's class: one namespace, one object per upstream.
        {
          ...common,
          name: 'feed-b',
          routes: ['b.feed.test/*'],
          durableObjects: { BREAKER: { className: 'FeedBreaker', scriptName: 'feed-a', useSQLite: true } },
        },
      ],
      cf: false,
      // The workers log every breaker transition; keep only errors (FEED_NODE_LOGS=1 shows all).
      handleStructuredLogs: (log: { level: string; message: string }) => {
        if (process.env.FEED_NODE_LOGS === '1' || log.level === 'error') console.error(log.message);
      },
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  await mf.ready;
  return {
    async get(instance, path, headers = {}) {
      // Routed by host: a.feed.test -> feed-a, b.feed.test -> feed-b.
      const response = await mf.dispatchFetch(`http://${instance}.feed.test${path}`, { headers });
      const text = await response.text();
      let body: FeedAnswer['body'] = null;
      try {
        body = JSON.parse(text) as FeedAnswer['body'];
      } catch {
        body = null;
      }
      return { status: response.status, mode: response.headers.get('X-Feed-Mode'), body };
    },
    async dispose() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
