// The bench's statistics, pure and seeded: per-round ratios summarised by their median with a
// bootstrap interval, pooled latency quantiles compared by a bootstrap over rounds, the verdict of
// an interval against a goal, and the sequential plan that says when a row has measured enough.
// Nothing here does I/O or reads a clock; the same data and seed give the same answer.

/** A ratio with its interval, `low <= ratio <= high` for any sensible data. */
export interface Interval {
  ratio: number;
  low: number;
  high: number;
}

/**
 * What a row must show. `floor`: the ratio must stay at or above it (higher is better);
 * `ceiling`: at or below it (`better: "lower"`, `... bytes`); both: a band (the calibration).
 */
export interface Target {
  floor?: number;
  ceiling?: number;
}

export type Verdict = 'pass' | 'fail' | 'undecided' | 'context';

/**
 * When a row stops. Looks happen after `minRounds` round pairs and then every `step` pairs up to
 * `maxRounds`; each look's interval is at `lookConfidence(plan)`, so that the chance of any look
 * excluding the true ratio stays within `1 - confidence` (Bonferroni over the looks).
 */
export interface Plan {
  minRounds: number;
  maxRounds: number;
  step: number;
  /** Family confidence over all the looks of one row. */
  confidence: number;
  resamples: number;
}

/**
 * Four looks, after 6, 12, 18 and 24 pairs, at 98.75% each. With 0.25 s rounds a row far from its
 * goal is decided in about 4 s; 24 pairs fit a 12 s cap on a quiet machine.
 */
export const PLAN: Plan = { minRounds: 6, maxRounds: 24, step: 6, confidence: 0.95, resamples: 2000 };

/** mulberry32: a small, fast, well-distributed 32-bit generator; uniform in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a text: a row's seed comes from its scenario name, so a rerun on the same data agrees. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const ascending = (a: number, b: number) => a - b;

/** Linear interpolation between order statistics (Hyndman-Fan type 7) of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort(ascending), 0.5);
}

/**
 * The confidence at which to read a bootstrap distribution from `n` rounds so that the interval
 * keeps its nominal `confidence`: the percentile bootstrap is too narrow with few rounds (its
 * spread is that of n/(n-1) fewer degrees of freedom and its tails are normal, not Student's), so
 * the tails are read at the normal probability of sqrt(n/(n-1)) * t(n-1). This is the "expanded
 * percentile interval" of Hesterberg, "What teachers should know about the bootstrap" (2015).
 */
export function expandedConfidence(confidence: number, n: number): number {
  if (n < 2) return confidence;
  const w = Math.sqrt(n / (n - 1)) * tQuantile(1 - (1 - confidence) / 2, n - 1);
  return 1 - 2 * normalCdf(-w);
}

/**
 * The median of per-round ratios with an expanded percentile bootstrap interval over rounds.
 * Each round is one draw (a paired measurement of ours and the baseline), so a resample draws
 * rounds with replacement and takes their median.
 */
export function medianInterval(
  ratios: readonly number[],
  { confidence, resamples = PLAN.resamples, seed }: { confidence: number; resamples?: number; seed: number },
): Interval {
  if (ratios.length < 2) throw new Error(`an interval needs at least 2 rounds, got ${ratios.length}`);
  for (const r of ratios) if (!(r > 0 && Number.isFinite(r))) throw new Error(`a round ratio must be positive and finite, got ${r}`);
  const n = ratios.length;
  const rng = createRng(seed);
  const medians = new Float64Array(resamples);
  const draw = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) draw[i] = ratios[Math.floor(rng() * n)]!;
    draw.sort();
    medians[b] = quantileSorted(draw, 0.5);
  }
  medians.sort();
  const tail = (1 - expandedConfidence(confidence, n)) / 2;
  return { ratio: median(ratios), low: quantileSorted(medians, tail), high: quantileSorted(medians, 1 - tail) };
}

/** Count of values <= x in an ascending array. */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Nearest-rank q-quantile of the pool formed by taking round r `weights[r]` times, found without
 * building the pool: a binary search over the sorted union of every value, counting each round's
 * share with its own binary search.
 */
function pooledQuantile(rounds: Float64Array[], union: Float64Array, weights: Int32Array, q: number): number {
  let total = 0;
  for (let r = 0; r < rounds.length; r++) total += weights[r]! * rounds[r]!.length;
  const rank = Math.max(1, Math.ceil(q * total));
  let lo = 0;
  let hi = union.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let count = 0;
    for (let r = 0; r < rounds.length; r++) if (weights[r]) count += weights[r]! * countAtMost(rounds[r]!, union[mid]!);
    if (count >= rank) hi = mid;
    else lo = mid + 1;
  }
  return union[lo]!;
}

/**
 * Compares the q-quantile of our latencies pooled over every round with the baseline's pooled the
 * same way: ratio = baseline / ours (higher is better, as for throughput) or ours / baseline
 * (`lower`, for a ceiling). The interval is an expanded percentile bootstrap over round pairs: a
 * resample draws whole pairs, keeping each round's latencies together, since requests within a
 * round share the machine's moment and are not independent draws.
 */
export function pooledQuantileInterval(
  ours: readonly (readonly number[])[],
  base: readonly (readonly number[])[],
  {
    q,
    better = 'higher',
    confidence,
    resamples = PLAN.resamples,
    seed,
  }: { q: number; better?: 'higher' | 'lower'; confidence: number; resamples?: number; seed: number },
): Interval & { ours: number; base: number } {
  const n = ours.length;
  if (n < 2 || base.length !== n) throw new Error('pooled quantiles need the same number (at least 2) of rounds on both sides');
  const prepare = (rounds: readonly (readonly number[])[]) => {
    const sorted = rounds.map((values) => Float64Array.from(values).sort());
    if (sorted.some((values) => values.length === 0)) throw new Error('a round without latencies');
    const union = Float64Array.from(sorted.flatMap((values) => [...values])).sort();
    return { sorted, union };
  };
  const o = prepare(ours);
  const b = prepare(base);
  const orient = (oq: number, bq: number) => (better === 'lower' ? oq / bq : bq / oq);
  const weights = new Int32Array(n).fill(1);
  const oursQ = pooledQuantile(o.sorted, o.union, weights, q);
  const baseQ = pooledQuantile(b.sorted, b.union, weights, q);
  const rng = createRng(seed);
  const ratios = new Float64Array(resamples);
  for (let k = 0; k < resamples; k++) {
    weights.fill(0);
    for (let i = 0; i < n; i++) weights[Math.floor(rng() * n)]!++;
    ratios[k] = orient(pooledQuantile(o.sorted, o.union, weights, q), pooledQuantile(b.sorted, b.union, weights, q));
  }
  ratios.sort();
  const tail = (1 - expandedConfidence(confidence, n)) / 2;
  return {
    ratio: orient(oursQ, baseQ),
    low: quantileSorted(ratios, tail),
    high: quantileSorted(ratios, 1 - tail),
    ours: oursQ,
    base: baseQ,
  };
}

/** A side of a load comparison. */
export type Side = 'ours' | 'base';

/**
 * The four slices of round pair `i`, in order: baseline, ours, ours, baseline, then the mirror
 * image in the next pair. Within a pair a drift of the machine that is linear in time falls on
 * both sides alike, and from one pair to the next neither side is always the one that follows a
 * switch.
 */
export function sliceOrder(i: number): readonly Side[] {
  return i % 2 === 0 ? ['base', 'ours', 'ours', 'base'] : ['ours', 'base', 'base', 'ours'];
}

/** What one side spent in a round: CPU time and the requests it completed. */
export interface Spent {
  cpuNs: number;
  requests: number;
}

/**
 * A round's CPU ratio from each side's total CPU time over its total requests (a ratio of sums,
 * so a slice with few requests weighs as little as it says): baseline / ours, higher is better,
 * or ours / baseline for `better: 'lower'`.
 */
export function cpuRatio(ours: Spent, base: Spent, better: 'higher' | 'lower' = 'higher'): number {
  if (!(ours.requests > 0 && base.requests > 0 && ours.cpuNs > 0 && base.cpuNs > 0)) {
    throw new Error(`a CPU ratio needs requests and CPU time on both sides, got ${JSON.stringify({ ours, base })}`);
  }
  const oursPer = ours.cpuNs / ours.requests;
  const basePer = base.cpuNs / base.requests;
  return better === 'lower' ? oursPer / basePer : basePer / oursPer;
}

/** Complementary error function, fractional error < 1.2e-7 (Numerical Recipes, 2nd ed., 6.2). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal distribution function. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * P(|T| <= t) for Student's t with an integer `nu` degrees of freedom, by the closed-form finite
 * series of Abramowitz and Stegun 26.7.3 (odd nu) and 26.7.4 (even nu).
 */
function studentTwoSided(t: number, nu: number): number {
  const theta = Math.atan(t / Math.sqrt(nu));
  const c2 = Math.cos(theta) ** 2;
  let term = 1;
  let sum = 1;
  if (nu % 2 === 1) {
    for (let k = 1; k <= (nu - 3) / 2; k++) sum += term *= ((2 * k) / (2 * k + 1)) * c2;
    return (2 / Math.PI) * (theta + (nu > 1 ? Math.sin(theta) * Math.cos(theta) * sum : 0));
  }
  for (let k = 1; k <= (nu - 2) / 2; k++) sum += term *= ((2 * k - 1) / (2 * k)) * c2;
  return Math.sin(theta) * sum;
}

/** Student's t quantile for p in (0.5, 1) and an integer `nu` >= 1, by bisection on the series. */
export function tQuantile(p: number, nu: number): number {
  if (!(p > 0.5 && p < 1) || !Number.isInteger(nu) || nu < 1) throw new Error(`tQuantile(${p}, ${nu}): p in (0.5, 1), integer nu >= 1`);
  const target = 2 * p - 1;
  let lo = 0;
  let hi = 1;
  while (studentTwoSided(hi, nu) < target) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, nu) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The target a row's `goal` and `better` describe; null for a context row. */
export function targetOf(goal: number | null, better: 'higher' | 'lower' = 'higher'): Target | null {
  if (goal === null) return null;
  return better === 'lower' ? { ceiling: goal } : { floor: goal };
}

/**
 * pass: the whole interval meets the target; fail: the whole interval misses it; otherwise
 * undecided. A row without a target is context.
 */
export function verdict({ low, high }: { low: number; high: number }, target: Target | null): Verdict {
  if (target === null) return 'context';
  const { floor, ceiling } = target;
  if ((floor !== undefined && high < floor) || (ceiling !== undefined && low > ceiling)) return 'fail';
  if ((floor === undefined || low >= floor) && (ceiling === undefined || high <= ceiling)) return 'pass';
  return 'undecided';
}

/** How many looks a row can take under `plan`. */
export function looks(plan: Plan): number {
  return Math.floor((plan.maxRounds - plan.minRounds) / plan.step) + 1;
}

/** The confidence of each look's interval: the family's error shared out over the looks. */
export function lookConfidence(plan: Plan): number {
  return 1 - (1 - plan.confidence) / looks(plan);
}

/** Whether a row that has measured `rounds` pairs takes a look now. */
export function isLook(rounds: number, plan: Plan): boolean {
  return rounds >= plan.minRounds && (rounds - plan.minRounds) % plan.step === 0 && rounds <= plan.maxRounds;
}

/** Why a row stopped measuring. */
export type Stop = 'decided' | 'first look' | 'max rounds' | 'time cap' | 'late';

export interface Outcome extends Interval {
  rounds: number;
  verdict: Verdict;
  stopped: Stop;
}

/** An interval needs at least this many rounds, whatever the time cap says. */
export const MIN_ROUNDS_ALWAYS = 3;

/**
 * The sequential rule. Takes round pairs (`step`) and looks at the plan's looks: stops when a
 * look decides (pass or fail); at `maxRounds`; or when `capMs` of rounds are spent (then one last
 * look, at however many rounds it has, in place of the scheduled looks it will not reach). A
 * context row (no target) stops at its first look: it has no goal to decide, and its interval
 * already says how precise it is. Once `now()` passes `lateAt`, rows stop at their first look so
 * the run keeps its time bound. The clock is an argument, so the rule is tested on a fake one.
 */
export async function measureSequentially({
  plan,
  target,
  step,
  summarize,
  now,
  capMs,
  lateAt = Infinity,
}: {
  plan: Plan;
  target: Target | null;
  step: (i: number) => Promise<void>;
  summarize: (confidence: number) => Interval;
  now: () => number;
  capMs: number;
  lateAt?: number;
}): Promise<Outcome> {
  const confidence = lookConfidence(plan);
  const started = now();
  for (let rounds = 1; ; rounds++) {
    await step(rounds - 1);
    const at = now();
    const capped = rounds >= MIN_ROUNDS_ALWAYS && at - started >= capMs;
    const late = at >= lateAt && rounds >= plan.minRounds;
    const last = rounds >= plan.maxRounds || capped || late;
    if (!isLook(rounds, plan) && !last) continue;
    const interval = summarize(confidence);
    const v = verdict(interval, target);
    if (v === 'pass' || v === 'fail') return { ...interval, rounds, verdict: v, stopped: 'decided' };
    if (v === 'context') return { ...interval, rounds, verdict: v, stopped: 'first look' };
    if (last) return { ...interval, rounds, verdict: v, stopped: late ? 'late' : capped ? 'time cap' : 'max rounds' };
  }
}
