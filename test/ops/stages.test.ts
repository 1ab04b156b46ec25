/**
 * The stage files (stages/<stage>.toml) and what `npm run deploy` makes of them. The generated
 * config of every worker at every stage is held to the rules a deploy must meet; the overlay
 * format and the deploy command refuse what they should, with a message naming the problem.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deployPlan } from '../../scripts/deploy.mjs';
import { STAGES, StageError, bundleDir, mergeConfig, parseStage, placeholders, stageConfig, type Stage } from '../../scripts/stages.mjs';
import { WORKER_NAMES } from '../../scripts/workers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

interface Generated {
  name: string;
  main: string;
  vars?: Record<string, string>;
  routes?: Array<{ pattern: string }>;
  secrets?: { required: string[] };
  observability?: { enabled: boolean };
  services?: Array<{ binding: string; service: string; entrypoint?: string }>;
  durable_objects?: { bindings: Array<{ name: string; class_name: string; script_name?: string }> };
  migrations?: Array<{ tag: string; new_sqlite_classes?: string[] }>;
  kv_namespaces?: Array<{ binding: string; id?: string }>;
  r2_buckets?: Array<{ binding: string; bucket_name: string }>;
  analytics_engine_datasets?: Array<{ binding: string; dataset: string }>;
  ratelimits?: Array<{ name: string; namespace_id: string; simple: { limit: number; period: number } }>;
  d1_databases?: Array<{ binding: string; database_name: string; database_id?: string }>;
  queues?: {
    producers?: Array<{ binding: string; queue: string }>;
    consumers?: Array<{ queue: string; dead_letter_queue?: string; max_retries?: number }>;
  };
}

const generated = (worker: string, stage: Stage) => stageConfig(worker, stage) as unknown as Generated;
const every = STAGES.flatMap((stage) => WORKER_NAMES.map((worker) => [worker, stage] as const));

/** URLs and origins in a var's value (comma-separated lists included); host names alone are not URLs. */
function urlsIn(value: string): URL[] {
  return value.split(',').flatMap((part) => (URL.canParse(part.trim()) ? [new URL(part.trim())] : []));
}

/** Local secrets (.dev.vars.example) that a worker's generated Env type reads. */
function secretsOf(worker: string): string[] {
  const names = readFileSync(`${root}/.dev.vars.example`, 'utf8')
    .split('\n')
    .flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
  const env = readFileSync(`${root}/workers/${worker}/worker-configuration.d.ts`, 'utf8');
  return names.filter((name) => new RegExp(`\\b${name}: string;`).test(env));
}

describe.each(every)('%s at %s: the generated config', (worker, stage) => {
  const config = generated(worker, stage);

  it('is named for its stage and reaches only workers of the same stage', () => {
    expect(config.name).toBe(`${worker}-${stage}`);
    for (const service of config.services ?? []) expect(service.service).toMatch(new RegExp(`-${stage}$`));
    for (const binding of config.durable_objects?.bindings ?? []) {
      if (binding.script_name) expect(binding.script_name).toMatch(new RegExp(`-${stage}$`));
    }
    expect(existsSync(new URL(config.main, `file://${root}.wrangler/stages/${stage}/`))).toBe(true);
  });

  it('has no local origin: every URL in its vars is https on a public host', () => {
    for (const [name, value] of Object.entries(config.vars ?? {})) {
      for (const url of urlsIn(value)) {
        expect(url.protocol, `${name}=${value}`).toBe('https:');
        expect(LOCAL_HOSTS.has(url.hostname), `${name}=${value}`).toBe(false);
      }
    }
  });

  it('declares every secret it reads, and keeps none in vars', () => {
    const secrets = secretsOf(worker);
    expect(config.secrets?.required ?? []).toEqual(expect.arrayContaining(secrets));
    for (const secret of secrets) expect(Object.keys(config.vars ?? {})).not.toContain(secret);
  });

  it('turns Workers Logs on (observability)', () => {
    expect(config.observability?.enabled).toBe(true);
  });
});

describe.each(STAGES)('%s', (stage) => {
  it('verifies bots on the edge', () => {
    expect(generated('edge', stage).vars?.VERIFY_BOTS).toBe('true');
  });

  it('gives the site, the feed, the shortener, the short domain and the console their routes', () => {
    for (const worker of ['edge', 'feed', 'shortener', 'redirector', 'console'])
      expect(generated(worker, stage).routes?.length, worker).toBeGreaterThan(0);
    for (const worker of ['assets', 'renderer']) expect(generated(worker, stage).routes, worker).toBeUndefined();
  });

  it('binds the shortener and the redirector to one LINKS namespace, named in the file', () => {
    const ids = ['shortener', 'redirector'].map((w) => generated(w, stage).kv_namespaces?.find((kv) => kv.binding === 'LINKS')?.id);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });

  it("sends the redirector's click events to a queue the shortener consumes, dead letters included, into its own database", () => {
    const producer = generated('redirector', stage).queues?.producers?.find((p) => p.binding === 'CLICK_EVENTS');
    const shortener = generated('shortener', stage);
    const consumers = shortener.queues?.consumers ?? [];
    const main = consumers.find((c) => c.queue === producer?.queue);
    expect(main?.dead_letter_queue).toBeDefined();
    expect(main?.max_retries).toBeGreaterThan(0);
    expect(consumers.map((c) => c.queue)).toContain(main?.dead_letter_queue);
    expect(shortener.d1_databases?.find((d) => d.binding === 'LINK_STATS')?.database_name).toMatch(new RegExp(`-${stage}$`));
    // One owner per database: no other worker binds it.
    for (const worker of WORKER_NAMES.filter((w) => w !== 'shortener')) {
      expect(generated(worker, stage).d1_databases?.map((d) => d.binding) ?? [], worker).not.toContain('LINK_STATS');
    }
  });

  it('counts mail-scanner bursts as scanners, and shows preview cards only to verified bots, on real traffic', () => {
    expect(Number(generated('redirector', stage).vars?.SCANNER_BURST_LINKS)).toBeGreaterThan(0);
    expect(generated('redirector', stage).vars?.VERIFY_BOTS).toBe('true');
  });

  it("reports the edge's render budget as its rate limits enforce it", () => {
    const edge = generated('edge', stage);
    const limit = (name: string) => edge.ratelimits?.find((r) => r.name === name)?.simple;
    expect(limit('RENDER_LIMIT_GLOBAL')).toEqual({ limit: Number(edge.vars?.RENDER_LIMIT_PER_MINUTE), period: 60 });
    expect(limit('RENDER_LIMIT_CATEGORY')).toEqual({ limit: Number(edge.vars?.RENDER_LIMIT_PER_CATEGORY_PER_MINUTE), period: 60 });
  });

  it("renders a page once across the fleet: the edge's render lease is on, its own class, and outlasts a render plus KV's propagation", () => {
    const edge = generated('edge', stage);
    const binding = edge.durable_objects?.bindings.find((b) => b.name === 'RENDER_LEASES');
    expect(binding?.class_name).toBe('Leases');
    expect(binding?.script_name).toBeUndefined();
    expect(edge.migrations?.flatMap((m) => m.new_sqlite_classes ?? [])).toContain('Leases');
    // KV shows a write everywhere within about 60 s; the renderer gives up on a page at its timeout.
    const renderTimeoutMs = Number(generated('renderer', stage).vars?.RENDER_TIMEOUT_MS);
    expect(Number(edge.vars?.RENDER_LEASE_MS)).toBeGreaterThanOrEqual(renderTimeoutMs + 60_000);
  });

  it("runs the feed's breaker through aggregators, whose syncs leave the global object at most half its ~1,000 RPC/s", () => {
    const vars = generated('feed', stage).vars ?? {};
    const aggregators = Number(vars.BREAKER_AGGREGATORS);
    expect(aggregators).toBeGreaterThan(0);
    expect((aggregators * 1000) / Number(vars.BREAKER_AGGREGATOR_FLUSH_MS)).toBeLessThanOrEqual(500);
  });

  it("spreads a deploy's first asks for the feed's write leases over at least one write interval", () => {
    const vars = generated('feed', stage).vars ?? {};
    expect(Number(vars.CACHE_WRITE_FIRST_SPREAD_S)).toBeGreaterThanOrEqual(Number(vars.CACHE_WRITE_EVERY_S));
  });

  it("keeps a viral link's clicks from 10,000 busy isolates under a fifth of the queue's 5,000 messages a second", () => {
    const flushMs = Number(generated('redirector', stage).vars?.CLICK_FLUSH_MS);
    expect((10_000 * 1000) / flushMs).toBeLessThanOrEqual(1_000);
    // A flush waits up to one and a half times it (jitter), within a waitUntil's 30 s.
    expect(flushMs * 1.5).toBeLessThanOrEqual(20_000);
  });

  it('consumes every queue a worker produces to, into its own D1, with a dead-letter queue', () => {
    for (const worker of WORKER_NAMES) {
      const config = generated(worker, stage);
      for (const producer of config.queues?.producers ?? []) {
        // The consumer may be another worker (the shortener consumes the redirector's clicks).
        const consumer = WORKER_NAMES.flatMap((w) => generated(w, stage).queues?.consumers ?? []).find((c) => c.queue === producer.queue);
        expect(consumer, `${worker} consumes ${producer.queue}`).toBeDefined();
        expect(consumer?.dead_letter_queue, `${worker}: ${producer.queue}`).toMatch(new RegExp(`-${stage}$`));
        expect(producer.queue, worker).toMatch(new RegExp(`-${stage}$`));
      }
      for (const db of config.d1_databases ?? []) expect(db.database_name, worker).toMatch(new RegExp(`-${stage}$`));
    }
    expect(generated('edge', stage).d1_databases?.map((d) => d.binding)).toEqual(['EVENTS_DB']);
  });

  it('signs console operators in through Cloudflare Access only, and reaches the owners through their OperatorApi entrypoints', () => {
    const config = generated('console', stage);
    expect(config.vars?.AUTH_MODE).toBe('access');
    expect(config.vars?.ACCESS_TEAM_DOMAIN).toMatch(/^https:\/\/[a-z0-9-]+\.cloudflareaccess\.com$/);
    expect(config.vars?.ACCESS_AUD).not.toBe('');
    expect(config.services).toEqual(
      ['SHORTENER', 'EDGE', 'FEED'].map((binding) => ({
        binding,
        service: `${binding.toLowerCase()}-${stage}`,
        entrypoint: 'OperatorApi',
      })),
    );
  });

  it("names the feed's user only by a verified token: no bare ?user=, a key set to check tokens with", () => {
    const vars = generated('feed', stage).vars ?? {};
    expect(vars.AUTH_QUERY_USER).toBe('false');
    expect(vars.AUTH_JWKS_URL).toMatch(/^https:\/\//);
    expect(vars.AUTH_AUDIENCE).not.toBe(generated('feed', stage === 'staging' ? 'production' : 'staging').vars?.AUTH_AUDIENCE);
  });

  it('renders and serves the same site origin on the edge and the renderer', () => {
    const site = generated('edge', stage).vars?.SITE_ORIGINS;
    expect(generated('renderer', stage).vars?.SITE_ORIGINS).toBe(site);
    expect(generated('feed', stage).vars?.ALLOWED_ORIGINS).toBe(site);
  });
});

describe.each(STAGES)('%s: event stores', (stage) => {
  const configs = WORKER_NAMES.map((worker) => [worker, generated(worker, stage)] as const);

  it('binds each D1 database in one worker only (its owner: two writers would meet SQLITE_BUSY locally)', () => {
    const names = configs.flatMap(([, c]) => (c.d1_databases ?? []).map((d) => d.database_name));
    expect(new Set(names).size).toBe(names.length);
    expect(generated('feed', stage).d1_databases?.map((d) => d.binding)).toEqual(['EVENTS_DB']);
  });
});

describe('stages apart', () => {
  it('share no bucket, dataset, KV namespace, rate-limit counter, D1 database or queue', () => {
    const resources = (stage: Stage) =>
      WORKER_NAMES.flatMap((worker) => {
        const c = generated(worker, stage);
        return [
          ...(c.r2_buckets ?? []).map((b) => `r2:${b.bucket_name}`),
          ...(c.analytics_engine_datasets ?? []).map((d) => `dataset:${d.dataset}`),
          ...(c.kv_namespaces ?? []).flatMap((kv) => (kv.id ? [`kv:${kv.id}`] : [])),
          ...(c.ratelimits ?? []).map((r) => `ratelimit:${r.namespace_id}`),
          ...(c.d1_databases ?? []).map((d) => `d1:${d.database_name}`),
          ...(c.queues?.producers ?? []).map((q) => `queue:${q.queue}`),
          ...(c.queues?.consumers ?? []).flatMap((q) => [
            `queue:${q.queue}`,
            ...(q.dead_letter_queue ? [`queue:${q.dead_letter_queue}`] : []),
          ]),
        ];
      });
    const [staging, production] = [resources('staging'), resources('production')];
    expect(staging).toContain('d1:prerender-events-staging');
    expect(staging.length).toBeGreaterThan(0);
    expect(staging.filter((r) => production.includes(r))).toEqual([]);
  });
});

describe('the stage file format', () => {
  const check = (text: string) => () => parseStage(text, 'stages/test.toml');

  it('refuses an unknown worker, an unknown key and a malformed value, naming each', () => {
    expect(check('[env.egde.vars]\nSITE_ORIGINS = "https://a.example"')).toThrow(/env: Unrecognized key: "egde"/);
    expect(check('[env.edge]\nroute = "a.example/*"')).toThrow(/env\.edge: Unrecognized key: "route"/);
    expect(check('[env.edge]\nroutes = [{ pattern = "a.example/*" }]')).toThrow(/env\.edge\.routes\.0/);
    expect(check('[[env.edge.ratelimits]]\nname = "X"\nnamespace_id = "one"\nsimple = { limit = 1, period = 60 }')).toThrow(
      /env\.edge\.ratelimits\.0\.namespace_id: a positive integer/,
    );
    expect(check('[env.shortener]\nkv_namespaces = [{ binding = "LINKS", id = "abc" }]')).toThrow(/a KV namespace id/);
    expect(check('not toml = ')).toThrow(/not valid TOML/);
  });

  it('refuses two LINKS namespaces for the shortener and the redirector', () => {
    const a = `"${'a'.repeat(32)}"`;
    const b = `"${'b'.repeat(32)}"`;
    expect(
      check(
        `[env.shortener]\nkv_namespaces = [{ binding = "LINKS", id = ${a} }]\n[env.redirector]\nkv_namespaces = [{ binding = "LINKS", id = ${b} }]`,
      ),
    ).toThrow(/must bind LINKS to the same KV namespace id/);
  });

  it('refuses a var that wrangler.toml does not declare (the Env types would not know it)', () => {
    const overlay = parseStage('[env.feed.vars]\nRECOMENDER_URL = "https://r.example"', 'stages/test.toml');
    expect(() => stageConfig('feed', 'staging', { overlay })).toThrow(
      /env\.feed\.vars sets RECOMENDER_URL, which \[env\.feed\.vars\] in wrangler\.toml does not declare/,
    );
  });
});

describe('mergeConfig', () => {
  it('merges tables by key, bindings by binding or name, and replaces other arrays', () => {
    const base = {
      vars: { A: '1', B: '2' },
      kv_namespaces: [{ binding: 'K' }, { binding: 'L' }],
      ratelimits: [{ name: 'R', namespace_id: '1', simple: { limit: 5, period: 60 } }],
      routes: [{ pattern: 'a.example/*', zone_name: 'a.example' }],
    };
    const overlay = {
      vars: { B: '3' },
      kv_namespaces: [{ binding: 'L', id: 'x' }],
      ratelimits: [{ name: 'R', simple: { limit: 9 } }],
      routes: [{ pattern: 'b.example/*', zone_name: 'b.example' }],
    };
    expect(mergeConfig(base, overlay)).toEqual({
      vars: { A: '1', B: '3' },
      kv_namespaces: [{ binding: 'K' }, { binding: 'L', id: 'x' }],
      ratelimits: [{ name: 'R', namespace_id: '1', simple: { limit: 9, period: 60 } }],
      routes: [{ pattern: 'b.example/*', zone_name: 'b.example' }],
    });
    expect(base.vars).toEqual({ A: '1', B: '2' });
  });
});

describe('npm run deploy', () => {
  const deploy = (...args: string[]) => spawnSync(process.execPath, ['scripts/deploy.mjs', ...args], { cwd: root, encoding: 'utf8' });

  it.each([
    [['edge', '--stage', 'prod'], /unknown stage "prod": one of staging, production/],
    [['edgy', '--stage', 'staging'], /unknown worker "edgy": one of assets, renderer, feed, edge, shortener, redirector/],
    [['edge'], /usage: npm run deploy -- <worker> --stage <staging\|production> \[--dry-run\]/],
    [['edge', '--stage', 'staging', '--force'], /Unknown option '--force'/],
  ])('%j is a clear error (exit 2) that deploys nothing', (args, message) => {
    const result = deploy(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('wrangler');
  });

  it('refuses a real deploy while the stage file holds a placeholder, and lets a dry run through', () => {
    expect(() => deployPlan(['shortener', '--stage', 'production'])).toThrow(StageError);
    expect(() => deployPlan(['shortener', '--stage', 'production'])).toThrow(/kv_namespaces\[0\]\.id: <LINKS-production namespace id>/);
    const plan = deployPlan(['shortener', '--stage', 'production', '--dry-run']);
    expect(plan.args).toEqual([
      'wrangler',
      'deploy',
      '--config',
      `${root}.wrangler/stages/production/shortener.json`,
      '--dry-run',
      '--outdir',
      `${root}.wrangler/stages/production/shortener`,
    ]);
    expect(placeholders(JSON.parse(readFileSync(plan.file, 'utf8')))).toEqual(plan.unset);
  });

  it('builds the SPA with the stage environment before a real assets deploy (SPA_DIST decides which)', () => {
    expect(deployPlan(['assets', '--stage', 'staging'])).toMatchObject({ build: { VITE_FEED_ORIGIN: '' }, dryRun: false });
    expect(deployPlan(['assets', '--stage', 'staging', '--dry-run']).build).toBeNull();
  });

  it('dry-runs a worker into a bundle (wrangler deploy --dry-run)', () => {
    const result = deploy('redirector', '--stage', 'staging', '--dry-run');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('shortener-staging');
    expect(readdirSync(bundleDir('redirector', 'staging'))).toContain('index.js');
  });
});
