// The benchmark harness: bundles each worker exactly as `wrangler deploy` would, runs the bundle in
// Miniflare (workerd, no `wrangler dev` proxy or logging), drives it with autocannon for a bounded
// time, and measures a bare baseline worker in the same run so every row is a ratio.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { root } from '../scripts/workers.mjs';

const CONFIG = join(root, 'wrangler.toml');
const OUT = join(root, 'bench', '.out');

/**
 * @typedef {{ url: string, method?: import('autocannon').Request['method'], headers?: Record<string,string>, body?: string }} LoadRequest
 * @typedef {{ rps: number, p50_ms: number, p99_ms: number, requests: number, errors: number, statuses: Record<string, number> }} LoadResult
 * @typedef {{ vars?: Record<string, string>, secrets?: Record<string, string> }} WorkerSettings
 * @typedef {WorkerSettings & { also?: string[], miniflare?: Record<string, unknown> }} StartOptions
 * @typedef {{ duration?: number, connections?: number, warmup?: number }} LoadOptions
 * @typedef {{ scenario: string, request: LoadRequest, baselineName: string, baseline: LoadRequest, goal: number,
 *   measure?: 'rps' | 'p99', expectStatus?: number, rounds?: number }} Comparison
 * @typedef {Record<string, unknown> & { scenario: string, ratio: number, goal: number | null }} Row
 */

export class Bench {
  /** @type {Row[]} rows for bench/results.json */
  rows = [];
  /** @type {Miniflare[]} */
  #instances = [];

  /** @param {LoadOptions} [options] */
  constructor({ duration = 4, warmup = 1, connections = 16 } = {}) {
    this.duration = duration;
    this.warmup = warmup;
    this.connections = connections;
  }

  /** Envs bundled by this run: each is rebuilt once per run, never reused from an earlier one. */
  #bundled = new Set();

  /** `wrangler deploy --dry-run --outdir`: the exact bundle that would be uploaded. @param {string} env */
  bundle(env) {
    const outdir = join(OUT, env);
    if (!this.#bundled.has(env)) {
      rmSync(outdir, { recursive: true, force: true });
      mkdirSync(outdir, { recursive: true });
      execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--env', env, '--outdir', outdir], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      });
      this.#bundled.add(env);
    }
    return outdir;
  }

  /**
   * Miniflare worker options for one env of wrangler.toml, running its deploy bundle.
   * @param {string} env
   * @param {WorkerSettings} [settings]
   * @returns {import('wrangler').SourcelessWorkerOptions & { name: string, modules: true, scriptPath: string, modulesRoot: string }}
   */
  workerOptions(env, { vars = {}, secrets = {} } = {}) {
    const outdir = this.bundle(env);
    const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG, env);
    const name = unstable_readConfig({ config: CONFIG, env }).name ?? env;
    const modules = readdirSync(outdir).filter((f) => /\.(m?js|wasm|bin|txt|html)$/.test(f));
    return {
      ...workerOptions,
      name,
      modules: true,
      scriptPath: join(outdir, 'index.js'),
      modulesRoot: outdir,
      modulesRules: modules.length > 1 ? workerOptions.modulesRules : undefined,
      bindings: { .../** @type {{ bindings?: Record<string, import('miniflare').Json> }} */ (workerOptions).bindings, ...vars, ...secrets },
    };
  }

  /**
   * Starts the bundled worker of `env` (first) plus the workers of `also` (reachable through their
   * service bindings) in one Miniflare with fresh in-memory state. Returns its URL and the instance.
   * @param {string} env
   * @param {StartOptions} [options]
   */
  async start(env, { vars, secrets, also = [], miniflare = {} } = {}) {
    const first = this.workerOptions(env, { vars, secrets });
    const workers = [first, ...also.map((e) => this.workerOptions(e))];
    const mf = new Miniflare(convertV4MiniflareOptions({ workers, cf: false, port: 0, ...miniflare }));
    this.#instances.push(mf);
    const url = (await mf.ready).href.replace(/\/$/, '');
    return { url, mf, name: first.name };
  }

  /**
   * The bare baseline: a worker answering a constant response, nothing else.
   * @param {{ status?: number, headers?: Record<string, string>, body?: string | Uint8Array }} [response]
   */
  async baseline({ status = 200, headers = {}, body = '' } = {}) {
    const binary = body instanceof Uint8Array;
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        workers: [
          {
            name: 'baseline',
            modules: true,
            scriptPath: join(root, 'bench', 'baseline', 'worker.js'),
            compatibilityDate: '2026-11-01',
            bindings: {
              STATUS: String(status),
              HEADERS: JSON.stringify(headers),
              ...(binary ? { BODY_BASE64: Buffer.from(body).toString('base64') } : { BODY: String(body) }),
            },
          },
        ],
        cf: false,
        port: 0,
      }),
    );
    this.#instances.push(mf);
    return { url: (await mf.ready).href.replace(/\/$/, ''), mf };
  }

  /**
   * Drives one URL with autocannon: a warm-up, then `duration` seconds measured.
   * @param {LoadRequest} request
   * @param {LoadOptions} [options]
   * @returns {Promise<LoadResult>}
   */
  async load(request, { duration = this.duration, connections = this.connections, warmup = this.warmup } = {}) {
    const options = {
      url: request.url,
      method: request.method ?? 'GET',
      headers: request.headers ?? {},
      body: request.body,
      connections,
    };
    if (warmup > 0) await autocannon({ ...options, duration: warmup });
    /** @type {Record<string, number>} */
    const statuses = {};
    // Without a callback autocannon answers an instance that is also a promise of its result.
    const instance = /** @type {import('autocannon').Instance & Promise<import('autocannon').Result>} */ (
      /** @type {unknown} */ (autocannon({ ...options, duration }))
    );
    instance.on('response', (_client, status) => (statuses[status] = (statuses[status] ?? 0) + 1));
    const result = await instance;
    return {
      rps: result.requests.average,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors + result.timeouts,
      statuses,
    };
  }

  /**
   * Measures a scenario and its baseline back to back and records the row. `measure: 'rps'`
   * gives ratio = ours / baseline; `measure: 'p99'` gives ratio = baseline p99 / ours (higher is
   * better in both, so `goal` is always a floor).
   * @param {Comparison} comparison
   */
  async compare({ scenario, request, baselineName, baseline, goal, measure = 'rps', expectStatus, rounds = 3 }) {
    // Alternate baseline and scenario in short rounds so that drift in a shared, noisy machine
    // (other processes, CPU frequency) falls on both sides alike.
    await this.load(baseline, { duration: this.warmup, warmup: 0 });
    await this.load(request, { duration: this.warmup, warmup: 0 });
    const segment = Math.max(1, this.duration / rounds);
    const baseRuns = [];
    const ourRuns = [];
    for (let i = 0; i < rounds; i++) {
      baseRuns.push(await this.load(baseline, { duration: segment, warmup: 0 }));
      ourRuns.push(await this.load(request, { duration: segment, warmup: 0 }));
    }
    const base = combine(baseRuns);
    const ours = combine(ourRuns);
    if (expectStatus !== undefined && !ours.statuses[String(expectStatus)]) {
      throw new Error(`${scenario}: expected status ${expectStatus}, saw ${JSON.stringify(ours.statuses)}`);
    }
    const ratio = measure === 'p99' ? base.p99_ms / Math.max(ours.p99_ms, 0.001) : ours.rps / base.rps;
    const row = {
      scenario,
      rps: round(ours.rps),
      p50_ms: ours.p50_ms,
      p99_ms: ours.p99_ms,
      baseline: baselineName,
      baseline_rps: round(base.rps),
      baseline_p99_ms: base.p99_ms,
      ratio: round(ratio, 3),
      goal,
      measure,
      pass: ratio >= goal,
      statuses: ours.statuses,
      errors: ours.errors,
    };
    this.rows.push(row);
    return row;
  }

  /**
   * A size row (smaller is better): ratio = ours / reference, `goal` is a ceiling.
   * @param {{ scenario: string, ours: number, reference: number, baselineName: string, goal: number }} size
   */
  size({ scenario, ours, reference, baselineName, goal }) {
    const ratio = ours / reference;
    const row = {
      scenario,
      rps: null,
      p50_ms: null,
      p99_ms: null,
      baseline: baselineName,
      baseline_rps: null,
      ratio: round(ratio, 3),
      goal,
      measure: 'bytes',
      pass: ratio <= goal,
      ours_bytes: ours,
      reference_bytes: reference,
    };
    this.rows.push(row);
    return row;
  }

  /**
   * A row measured outside the load generator (e.g. ns per call), compared with a reference.
   * @param {Row & { goal: number }} row
   */
  record(row) {
    this.rows.push({ rps: null, p50_ms: null, p99_ms: null, baseline_rps: null, ...row, pass: row.ratio >= row.goal });
  }

  async close() {
    await Promise.allSettled(this.#instances.map((mf) => mf.dispose()));
    this.#instances = [];
  }
}

/**
 * Mean throughput over the runs; latency percentiles as the median of the runs' percentiles.
 * @param {LoadResult[]} runs
 * @returns {LoadResult}
 */
function combine(runs) {
  const median = (/** @type {number[]} */ values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const run of runs) for (const [s, n] of Object.entries(run.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return {
    rps: runs.reduce((sum, r) => sum + r.rps, 0) / runs.length,
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    statuses,
  };
}

const round = (/** @type {number} */ n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
