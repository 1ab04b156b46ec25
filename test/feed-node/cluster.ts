// Two instances of the feed worker (separate isolates: separate memory, separate breaker copies)
// sharing one FeedBreaker and one Leases Durable Object namespace, one KV namespace and one event queue, as two
// isolates of one deployment do in production; the first consumes the queue into its D1. The
// worker is bundled with esbuild as wrangler would. `?user=` counts, as under `npm start`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { afterEach } from 'vitest';
import { startRecommender, type Recommender } from '../../demo/recommender/server.mjs';
import type { LeaseAnswer, LeaseStub } from '../../shared/lease/lease.ts';
import { bundleWorker } from '../support/bundle.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface FeedAnswer {
  status: number;
  mode: string | null;
  body: { mode: string; source: string; reason?: string; personalized: boolean; items: { id: string }[] } | null;
}

export interface Cluster {
  get(instance: 'a' | 'b', path: string, headers?: Record<string, string>): Promise<FeedAnswer>;
  /** Resolves with the first structured log line (parsed) whose `event` is `event` and that `match` accepts. */
  waitForLog(event: string, match?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** When the tab's last good feed was written to the shared `FEED_CACHE` (null: never). */
  storedAt(tab: string): Promise<number | null>;
  /** The global `FeedBreaker`'s status for an upstream, read from the object itself. */
  globalStatus(upstream: string): Promise<string>;
  /** Takes a key's write lease straight from the shared `Leases` object, as a third isolate would. */
  acquireLease(upstream: string, key: string, holder: string, ttlMs: number): Promise<LeaseAnswer>;
  dispose(): Promise<void>;
}

interface KvProxy {
  get(key: string, type: 'json'): Promise<unknown>;
}
interface NamespaceProxy<Stub> {
  idFromName(name: string): unknown;
  get(id: unknown): Stub;
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
  // Every structured log line, and the waiters for one not seen yet.
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{ test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  const seen = (message: string) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(message) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of waiters) {
      if (!waiter.test(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(line);
    }
  };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          ...common,
          name: 'feed-a',
          routes: ['a.feed.test/*'],
          durableObjects: {
            BREAKER: { className: 'FeedBreaker', useSQLite: true },
            BREAKER_AGGREGATOR: { className: 'FeedBreakerAggregator', useSQLite: true },
            LEASES: { className: 'Leases', useSQLite: true },
          },
          queueConsumers: { 'feed-events': { maxBatchSize: 100, maxBatchTimeout: 0.2 } },
          d1Databases: { EVENTS_DB: 'feed-events' },
        },
        // The second worker binds the first one's class: one namespace, one object per upstream.
        {
          ...common,
          name: 'feed-b',
          routes: ['b.feed.test/*'],
          durableObjects: {
            BREAKER: { className: 'FeedBreaker', scriptName: 'feed-a', useSQLite: true },
            BREAKER_AGGREGATOR: { className: 'FeedBreakerAggregator', scriptName: 'feed-a', useSQLite: true },
            LEASES: { className: 'Leases', scriptName: 'feed-a', useSQLite: true },
          },
        },
      ],
      cf: false,
      // The workers log every breaker transition; keep only errors (FEED_NODE_LOGS=1 shows all).
      handleStructuredLogs: (log: { level: string; message: string }) => {
        if (process.env.FEED_NODE_LOGS === '1' || log.level === 'error') console.error(log.message);
        seen(log.message);
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
    waitForLog(event, match = () => true) {
      const test = (line: Record<string, unknown>) => line.event === event && match(line);
      const found = lines.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.add({ test, resolve }));
    },
    async storedAt(tab) {
      // Miniflare types its proxies with workerd's types, which this Node project does not load.
      const kv = (await mf.getKVNamespace('FEED_CACHE', 'feed-a')) as unknown as Pick<KvProxy, 'get'>;
      const stored = (await kv.get(`feed:v1:${tab}`, 'json')) as { storedAt: number } | null;
      return stored?.storedAt ?? null;
    },
    async globalStatus(upstream) {
      const breakers = (await mf.getDurableObjectNamespace('BREAKER', 'feed-a')) as unknown as NamespaceProxy<{
        report(since: number): Promise<{ state: { status: string } }>;
      }>;
      return (await breakers.get(breakers.idFromName(upstream)).report(0)).state.status;
    },
    async acquireLease(upstream, key, holder, ttlMs) {
      const leases = (await mf.getDurableObjectNamespace('LEASES', 'feed-a')) as unknown as NamespaceProxy<LeaseStub>;
      return leases.get(leases.idFromName(`${upstream} ${key}`)).acquire(holder, ttlMs);
    },
    async dispose() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per test: the demo recommender and a cluster in front of it (`vars` extra to `RECOMMENDER_URL`),
 * both closed after the test.
 */
export function clusterPerTest() {
  let running: { recommender: Recommender; cluster: Cluster } | undefined;
  afterEach(async () => {
    await running?.cluster.dispose();
    await running?.recommender.close();
    running = undefined;
  });
  return async (options: Parameters<typeof startRecommender>[0], vars: Record<string, string>) => {
    const recommender = await startRecommender(options);
    running = { recommender, cluster: await startCluster({ RECOMMENDER_URL: recommender.url, ...vars }) };
    return running;
  };
}
