// The benchmark harness: bundles each worker exactly as `wrangler deploy` would, runs the bundle in
// Miniflare (workerd, no `wrangler dev` proxy or logging), and measures it against a bare baseline
// in interleaved rounds until the ratio's interval decides the row's goal or the row's time is up.
// The rows API (compare, paired, exact, size) is documented with examples in bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { root } from '../scripts/workers.mjs';
import { CpuMeter, servingProcess } from './cpu.mjs';
import { Driver } from './load.mjs';
import { pinApart } from './placement.mjs';
import {
  PLAN,
  cpuRatio,
  measureSequentially,
  median,
  medianInterval,
  pooledQuantileInterval,
  quantileSorted,
  seedFrom,
  sliceOrder,
  targetOf,
  verdict,
} from './stats.ts';

const CONFIG = join(root, 'wrangler.toml');
const OUT = join(root, 'bench', '.out');

/**
 * @typedef {import('./load.mjs').LoadRequest} LoadRequest
 * @typedef {'cpu' | 'rps' | 'p50' | 'p99'} LoadMeasure
 * @typedef {{ rps: number, slices: number, requests: number, cpuNs: number, latencies: number[],
 *   statuses: Record<string, number>, errors: number }} Round  one side's share of a round pair
 * @typedef {import('./stats.ts').Target} Target
 * @typedef {import('./stats.ts').Interval} Interval
 * @typedef {'higher' | 'lower'} Better
 * @typedef {import('./report.mjs').Row} Row
 * @typedef {{ vars?: Record<string, string>, secrets?: Record<string, string> }} WorkerSettings
 * @typedef {WorkerSettings & { also?: string[], miniflare?: Record<string, unknown> }} StartOptions
 */

/** Before a row's first round each side is driven this many times, alternating (JIT, connections, caches)... */
const WARMUP_SLICES = 2;
/** ...for this long each time. */
const WARMUP_SLICE_MS = 250;
/** A slice lasts long enough for a connection to complete this many requests of a slow scenario... */
const REQUESTS_PER_SLICE = 2;
/** ...but never longer than this (a slow scenario gets longer slices). */
const MAX_SLICE_MS = 1000;

export class Bench {
  /** @type {Row[]} rows for bench/results.json */
  rows = [];
  /** @type {Miniflare[]} */
  #instances = [];

  /**
   * @param {{ sliceSeconds?: number, connections?: number, rowSeconds?: number, plan?: import('./stats.ts').Plan }} options
   * `sliceSeconds`: one side's turn (a round pair has four); `rowSeconds`: a row's time cap
   * (rounds only, warm-up excluded); `plan`: minimum and maximum round pairs, looks, confidence.
   */
  constructor({ sliceSeconds = 0.1, connections = 16, rowSeconds = 12, plan = PLAN } = {}) {
    this.sliceSeconds = sliceSeconds;
    this.connections = connections;
    this.rowSeconds = rowSeconds;
    this.plan = plan;
    /** performance.now() after which rows stop at their first look: the run is late (set by run.mjs). */
    this.lateAfter = Infinity;
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
    const workers = [this.workerOptions(env, { vars, secrets }), ...also.map((e) => this.workerOptions(e))];
    const mf = new Miniflare(convertV4MiniflareOptions({ workers, cf: false, port: 0, ...miniflare }));
    this.#instances.push(mf);
    const url = (await mf.ready).href.replace(/\/$/, '');
    return { url, mf, name: workers[0]?.name ?? env };
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
              ...(binary ? { BODY_BASE64: Buffer.from(body).toString('base64') } : { BODY: body }),
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
   * A load row: our request against the baseline's, in interleaved round pairs. Each side keeps
   * its own keep-alive connections; a round pair drives the sides in four short slices, ABBA (the
   * side that goes first alternates from one pair to the next), each slice ending only when its
   * requests in flight have answered.
   *
   * `measure`: what one round pair yields, and so what `ratio` compares.
   * - `'cpu'`: CPU time per request of the process serving each side, ratio = baseline / ours
   *   (higher is better, `goal` a floor; `better: 'lower'` gives ours / baseline and a ceiling).
   *   The default when both URLs are served by processes of this bench other than itself
   *   (Miniflare's workerd), since it leaves out the time other processes held the CPU.
   * - `'rps'`: requests per second, ratio = ours / baseline; the default otherwise (a side served
   *   by this Node process, like a Node stand-in, or by a process of its own).
   * - `'p50' | 'p99'`: latencies of every request pooled over all rounds per side and their
   *   quantiles compared, ratio = baseline / ours (`better: 'higher'`, `goal` a floor) or
   *   ours / baseline (`better: 'lower'`, `goal` a ceiling).
   * The row's `ratio` is the median of the round ratios (or the pooled quantiles' ratio), with its
   * interval. `goal: null` makes a context row. `expectStatus`: at least 99% of our responses
   * must have it.
   * @param {{ scenario: string, request: LoadRequest, baseline: LoadRequest, baselineName: string,
   *   goal: number | null, better?: Better, measure?: LoadMeasure, expectStatus?: number,
   *   band?: [number, number] }} spec  `band`: the ratio must lie within it (the calibration)
   */
  async compare({ scenario, request, baseline, baselineName, goal, better = 'higher', measure, expectStatus, band }) {
    const started = performance.now();
    const ours = new Driver(request, this.connections);
    const base = new Driver(baseline, this.connections);
    const servers = [servingProcess(request.url), servingProcess(baseline.url)];
    const unpin = pinApart([...new Set(servers)].filter(/** @returns {pid is number} */ (pid) => pid !== null && pid !== process.pid));
    try {
      const [oursPid = null, basePid = null] = servers;
      const meter = CpuMeter.for(oursPid, basePid);
      const measured = measure ?? (meter ? 'cpu' : 'rps');
      if (measured === 'cpu' && !meter) {
        throw new Error(`${scenario}: CPU time needs both sides served by a local process other than the bench's own`);
      }
      const drive = async (/** @type {Driver} */ side, /** @type {number} */ ms) => {
        const slice = await side.slice(ms);
        if (slice.latencies.length === 0) {
          const who = side === ours ? 'ours' : 'the baseline';
          throw new Error(`${scenario}: ${who} completed no request in a ${Math.round(ms)} ms slice (${slice.errors} errors)`);
        }
        return slice;
      };

      // Warm-up, alternating, so that both sides' code is compiled and their connections open.
      /** @type {import('./load.mjs').Slice[]} */
      const warm = [];
      for (let i = 0; i < WARMUP_SLICES; i++) warm.push(await drive(base, WARMUP_SLICE_MS), await drive(ours, WARMUP_SLICE_MS));
      // A request's own time, free of waiting behind the other connections' requests (which grows
      // with the machine's load): the fastest of the slower side's warm-up.
      const ownMs = Math.max(...warm.slice(-2).map((slice) => Math.min(...slice.latencies)));
      const sliceMs = Math.min(MAX_SLICE_MS, Math.max(this.sliceSeconds * 1000, REQUESTS_PER_SLICE * ownMs));
      meter?.reset();

      /** @type {Round[]} */
      const oursRounds = [];
      /** @type {Round[]} */
      const baseRounds = [];
      // ABBA within a pair and from one pair to the next, so a drift falls on both sides alike.
      const step = async (/** @type {number} */ i) => {
        const o = emptyRound();
        const b = emptyRound();
        for (const side of sliceOrder(i)) {
          const slice = await drive(side === 'ours' ? ours : base, sliceMs);
          addSlice(side === 'ours' ? o : b, slice);
          const cpu = meter?.charge(side);
          if (cpu) {
            o.cpuNs += cpu.ours;
            b.cpuNs += cpu.base;
          }
        }
        oursRounds.push(o);
        baseRounds.push(b);
      };
      const q = measured === 'p50' ? 0.5 : 0.99;
      /** @type {(r: Round, i: number) => number} */
      const roundRatio =
        measured === 'cpu'
          ? (r, i) => cpuRatio(r, /** @type {Round} */ (baseRounds[i]), better)
          : (r, i) => r.rps / /** @type {Round} */ (baseRounds[i]).rps;
      const summarize = (/** @type {number} */ confidence, /** @type {number} */ seed) =>
        measured === 'cpu' || measured === 'rps'
          ? medianInterval(oursRounds.map(roundRatio), { confidence, seed })
          : pooledQuantileInterval(
              oursRounds.map((r) => r.latencies),
              baseRounds.map((r) => r.latencies),
              { q, better, confidence, seed },
            );
      const target = band ? { floor: band[0], ceiling: band[1] } : targetOf(goal, better);
      const result = await this.#sequential(scenario, target, step, summarize);

      const statuses = sumStatuses(oursRounds);
      const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
      if (expectStatus !== undefined && (statuses[expectStatus] ?? 0) < 0.99 * answered) {
        throw new Error(`${scenario}: expected status ${expectStatus} on our side, saw ${JSON.stringify(statuses)}`);
      }
      const oursLatencies = pooledSorted(oursRounds);
      const baseLatencies = pooledSorted(baseRounds);
      return this.#push({
        scenario,
        rps: round(median(oursRounds.map((r) => r.rps))),
        p50_ms: round(quantileSorted(oursLatencies, 0.5), 2),
        p99_ms: round(quantileSorted(oursLatencies, 0.99), 2),
        baseline: baselineName,
        baseline_rps: round(median(baseRounds.map((r) => r.rps))),
        ...result,
        goal: band ? band[0] : goal,
        ...(band ? { goal_max: band[1] } : {}),
        ...(better === 'lower' ? { better } : {}),
        measure: measured,
        ...(meter
          ? {
              cpu_us: round(median(oursRounds.map(cpuPerRequest)) / 1000),
              baseline_cpu_us: round(median(baseRounds.map(cpuPerRequest)) / 1000),
              same_process: meter.shared,
            }
          : {}),
        baseline_p50_ms: round(quantileSorted(baseLatencies, 0.5), 2),
        baseline_p99_ms: round(quantileSorted(baseLatencies, 0.99), 2),
        slice_ms: Math.round(sliceMs),
        seconds: round((performance.now() - started) / 1000),
        statuses,
        errors: oursRounds.reduce((sum, r) => sum + r.errors, 0),
      });
    } finally {
      unpin();
      await Promise.allSettled([ours.close(), base.close()]);
    }
  }

  /**
   * A row measured outside the load generator (ns per call, ms per render): `round(i)` measures
   * one pair and returns `{ ours, base }`; the per-round ratio is `ratio(ours, base)` (default
   * ours / base), summarised like a throughput row. `unit: 'ms'` also fills `p50_ms`.
   * @param {{ scenario: string, baselineName: string, goal: number | null, better?: Better,
   *   round: (i: number) => Promise<{ ours: number, base: number }>, ratio?: (ours: number, base: number) => number,
   *   unit?: string }} spec
   */
  async paired({ scenario, baselineName, goal, better = 'higher', round: measureRound, ratio = (ours, base) => ours / base, unit }) {
    const started = performance.now();
    /** @type {{ ours: number, base: number }[]} */
    const pairs = [];
    const step = async (/** @type {number} */ i) => {
      pairs.push(await measureRound(i));
    };
    const summarize = (/** @type {number} */ confidence, /** @type {number} */ seed) =>
      medianInterval(
        pairs.map((p) => ratio(p.ours, p.base)),
        { confidence, seed },
      );
    const result = await this.#sequential(scenario, targetOf(goal, better), step, summarize);
    const oursMedian = median(pairs.map((p) => p.ours));
    return this.#push({
      scenario,
      rps: null,
      p50_ms: unit === 'ms' ? round(oursMedian) : null,
      p99_ms: null,
      baseline: baselineName,
      baseline_rps: null,
      ...result,
      goal,
      ...(better === 'lower' ? { better } : {}),
      measure: unit ?? 'paired',
      ours_median: round(oursMedian, 3),
      baseline_median: round(median(pairs.map((p) => p.base)), 3),
      seconds: round((performance.now() - started) / 1000),
    });
  }

  /**
   * An exact row (a deterministic count, dollars from counts): ratio = ours / reference, its
   * interval the value itself, one round. `better: 'lower'` makes `goal` a ceiling.
   * @param {{ scenario: string, ours: number, reference: number, baselineName: string, goal: number | null,
   *   better?: Better, measure?: string }} spec
   */
  exact({ scenario, ours, reference, baselineName, goal, better = 'higher', measure = 'count' }) {
    const ratio = round(ours / reference, 3);
    return this.#push({
      scenario,
      rps: null,
      p50_ms: null,
      p99_ms: null,
      baseline: baselineName,
      baseline_rps: null,
      ratio,
      ratio_low: ratio,
      ratio_high: ratio,
      rounds: 1,
      verdict: verdict({ low: ratio, high: ratio }, targetOf(goal, better)),
      goal,
      ...(better === 'lower' ? { better } : {}),
      measure,
      exact: true,
      ours,
      reference,
    });
  }

  /**
   * A size row: ratio = our bytes / the reference's, `goal` a ceiling (smaller is better). The
   * contract names such rows `... bytes`.
   * @param {{ scenario: string, ours: number, reference: number, baselineName: string, goal: number | null }} spec
   */
  size({ scenario, ours, reference, baselineName, goal }) {
    if (!scenario.endsWith(' bytes')) throw new Error(`a size row's scenario ends with " bytes": ${scenario}`);
    return this.exact({ scenario, ours, reference, baselineName, goal, better: 'lower', measure: 'bytes' });
  }

  /**
   * Round pairs until the row is decided or its time is up (`measureSequentially` in stats.ts).
   * The bootstrap's seed comes from the scenario, so the same rounds give the same interval. The
   * interval is rounded outwards to the 3 decimals written, and the verdict taken on those, so
   * results.json always agrees with itself.
   * @param {string} scenario
   * @param {Target | null} target
   * @param {(i: number) => Promise<void>} step one round pair
   * @param {(confidence: number, seed: number) => Interval} summarize
   */
  async #sequential(scenario, target, step, summarize) {
    const seed = seedFrom(scenario);
    const outcome = await measureSequentially({
      plan: this.plan,
      target,
      step,
      summarize: (confidence) => roundOut(summarize(confidence, seed)),
      now: () => performance.now(),
      capMs: this.rowSeconds * 1000,
      lateAt: this.lateAfter,
    });
    const { ratio, low, high, rounds, verdict: v, stopped } = outcome;
    return { ratio, ratio_low: low, ratio_high: high, rounds, verdict: v, stopped };
  }

  /** @template {Row} T @param {T} row @returns {T} */
  #push(row) {
    this.rows.push(row);
    return row;
  }

  async close() {
    await Promise.allSettled(this.#instances.map((mf) => mf.dispose()));
    this.#instances = [];
  }
}

/** @returns {Round} */
const emptyRound = () => ({ rps: 0, slices: 0, requests: 0, cpuNs: 0, latencies: [], statuses: {}, errors: 0 });

/** Adds a slice to a side's round: rps is the mean over its slices. @param {Round} r @param {import('./load.mjs').Slice} slice */
function addSlice(r, slice) {
  r.rps = (r.rps * r.slices + slice.rps) / (r.slices + 1);
  r.slices++;
  r.requests += slice.latencies.length;
  for (const latency of slice.latencies) r.latencies.push(latency);
  for (const [status, n] of Object.entries(slice.statuses)) r.statuses[status] = (r.statuses[status] ?? 0) + n;
  r.errors += slice.errors;
}

/** Nanoseconds of CPU per completed request in one side's round. @param {Round} r */
const cpuPerRequest = (r) => r.cpuNs / r.requests;

/** @param {Round[]} rounds */
function pooledSorted(rounds) {
  return Float64Array.from(rounds.flatMap((r) => r.latencies)).sort();
}

/** @param {Round[]} rounds */
function sumStatuses(rounds) {
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of rounds) for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return statuses;
}

const round = (/** @type {number} */ n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The ratio to 3 decimals, its interval widened to the 3 decimals around it (and to the ratio, in
 * the rare resample where the median falls outside its bootstrap percentiles).
 * @param {Interval} interval
 */
const roundOut = ({ ratio, low, high }) => ({
  ratio: round(ratio, 3),
  low: Math.floor(Math.min(low, ratio) * 1000 + 1e-9) / 1000,
  high: Math.ceil(Math.max(high, ratio) * 1000 - 1e-9) / 1000,
});

/**
 * The headers of a worker's answer, for a bare baseline that sends the very same response: all but
 * Date and Content-Length, which the runtime writes itself on both sides.
 * @param {Response} response
 * @returns {Record<string, string>}
 */
export function responseHeadersOf(response) {
  /** @type {Record<string, string>} */
  const kept = {};
  for (const [name, value] of response.headers) if (name !== 'date' && name !== 'content-length') kept[name] = value;
  return kept;
}
