// The bench's statistics on synthetic rounds with a known true ratio: the intervals cover it at
// their stated confidence, the verdicts follow the decision rule, and the sequential rule stops
// where it says it does. Every draw is seeded, so these results are the same on every run.
import { describe, expect, it } from 'vitest';
import {
  PLAN,
  cpuRatio,
  expandedConfidence,
  isLook,
  lookConfidence,
  looks,
  measureSequentially,
  median,
  medianInterval,
  normalCdf,
  pooledQuantileInterval,
  seedFrom,
  sliceOrder,
  tQuantile,
  targetOf,
  verdict,
  type Interval,
  type Plan,
} from '../../bench/stats.ts';
import { cpuRounds, latencyRounds, rngFor, roundRatios, type Noise } from './synthetic.ts';

/** Share of `trials` intervals that contain `truth`. */
function coverage(trials: number, truth: number, interval: (trial: number) => Interval): number {
  let covered = 0;
  for (let t = 0; t < trials; t++) {
    const { low, high } = interval(t);
    if (low <= truth && truth <= high) covered++;
  }
  return covered / trials;
}

describe('distribution functions', () => {
  it.each([
    { p: 0.975, nu: 1, t: 12.7062 },
    { p: 0.975, nu: 10, t: 2.2281 },
    { p: 0.995, nu: 7, t: 3.4995 },
    { p: 0.995, nu: 2, t: 9.9248 },
    { p: 0.9, nu: 30, t: 1.3104 },
  ])('Student t quantile $p with $nu degrees of freedom is $t (printed tables)', ({ p, nu, t }) => {
    expect(tQuantile(p, nu)).toBeCloseTo(t, 3);
  });

  it.each([
    { x: 0, p: 0.5 },
    { x: 1.959964, p: 0.975 },
    { x: -3, p: 0.0013499 },
  ])('normal distribution at $x is $p', ({ x, p }) => {
    expect(normalCdf(x)).toBeCloseTo(p, 6);
  });

  it('expands the confidence for few rounds and converges on it for many', () => {
    expect(expandedConfidence(0.95, 6)).toBeGreaterThan(0.98);
    expect(expandedConfidence(0.95, 24)).toBeGreaterThan(0.95);
    expect(expandedConfidence(0.95, 24)).toBeLessThan(expandedConfidence(0.95, 6));
    expect(expandedConfidence(0.95, 10_000)).toBeCloseTo(0.95, 3);
  });
});

describe('median of round ratios', () => {
  it('is the median of the rounds, with an interval around it, reproducible from its seed', () => {
    const ratios = [0.9, 1.1, 0.95, 1.05, 1.0, 0.97, 1.02];
    const a = medianInterval(ratios, { confidence: 0.95, seed: 1 });
    expect(a.ratio).toBe(1.0);
    expect(a.low).toBeLessThan(1.0);
    expect(a.high).toBeGreaterThan(1.0);
    expect(a.low).toBeGreaterThanOrEqual(0.9);
    expect(a.high).toBeLessThanOrEqual(1.1);
    expect(medianInterval(ratios, { confidence: 0.95, seed: 1 })).toEqual(a);
  });

  it('collapses to the value when every round agrees', () => {
    expect(medianInterval([0.8, 0.8, 0.8, 0.8], { confidence: 0.99, seed: 3 })).toEqual({ ratio: 0.8, low: 0.8, high: 0.8 });
  });

  it('refuses what is not a ratio, and a single round', () => {
    expect(() => medianInterval([1, 0, 1], { confidence: 0.95, seed: 1 })).toThrow(/positive/);
    expect(() => medianInterval([1, Number.NaN, 1], { confidence: 0.95, seed: 1 })).toThrow(/positive/);
    expect(() => medianInterval([1], { confidence: 0.95, seed: 1 })).toThrow(/at least 2/);
  });

  // 400 trials: the binomial standard error of a coverage near 0.95 is about 0.011; the band is
  // about two of them below and more above, since the expanded interval errs towards covering
  // more (a safe error: a row stays undecided a little longer), never less.
  const TRIALS = 400;
  it.each<{ n: number; noise: Noise; confidence: number }>([
    { n: 6, noise: 'lognormal', confidence: 0.95 },
    { n: 12, noise: 'lognormal', confidence: 0.95 },
    { n: 24, noise: 'lognormal', confidence: 0.95 },
    { n: 12, noise: 'heavy-tailed', confidence: 0.95 },
    { n: 24, noise: 'heavy-tailed', confidence: 0.95 },
  ])('covers the true ratio at $confidence with $n rounds of $noise noise', ({ n, noise, confidence }) => {
    const rng = rngFor(seedFrom(`median ${n} ${noise}`));
    const truth = 0.87;
    const covered = coverage(TRIALS, truth, (t) =>
      medianInterval(roundRatios(rng, { ratio: truth, sd: 0.1, n, noise }), { confidence, seed: t }),
    );
    expect(covered).toBeGreaterThanOrEqual(confidence - 0.025);
    expect(covered).toBeLessThanOrEqual(confidence + 0.04);
  });

  it("covers the true ratio at a look's confidence (the bench's own plan)", () => {
    const confidence = lookConfidence(PLAN);
    const rng = rngFor(seedFrom('median at the look confidence'));
    const covered = coverage(TRIALS, 1.2, (t) =>
      medianInterval(roundRatios(rng, { ratio: 1.2, sd: 0.15, n: 12 }), { confidence, seed: t }),
    );
    expect(covered).toBeGreaterThanOrEqual(confidence - 0.015);
  });
});

describe('CPU rounds taken in slices', () => {
  it('drives both sides twice a round, mirrored from one round to the next', () => {
    expect(sliceOrder(0)).toEqual(['base', 'ours', 'ours', 'base']);
    expect(sliceOrder(1)).toEqual(['ours', 'base', 'base', 'ours']);
    expect(sliceOrder(2)).toEqual(sliceOrder(0));
  });

  it('compares CPU per request, each side its total over its requests', () => {
    const ours = { cpuNs: 3_000_000, requests: 2_000 }; // 1.5 ms a request
    const base = { cpuNs: 1_000_000, requests: 1_000 }; // 1 ms a request
    expect(cpuRatio(ours, base)).toBeCloseTo(1 / 1.5, 12);
    expect(cpuRatio(ours, base, 'lower')).toBeCloseTo(1.5, 12);
    expect(() => cpuRatio({ cpuNs: 0, requests: 10 }, base)).toThrow(/CPU time/);
    expect(() => cpuRatio(ours, { cpuNs: 10, requests: 0 })).toThrow(/requests/);
  });

  // The machine's speed drifts during a row (a steep trend, 4% a slice, and a random walk, both shared by
  // whichever side is running); each slice adds its own noise. 400 trials as above.
  const TRIALS = 400;
  const drifting = { sliceSd: 0.1, walkSd: 0.02, trend: 0.04 };
  it.each([6, 12, 24])('covers the true ratio at 0.95 with %i ABBA rounds on a drifting machine', (n) => {
    const rng = rngFor(seedFrom(`cpu abba ${n}`));
    const truth = 0.8;
    const covered = coverage(TRIALS, truth, (t) =>
      medianInterval(
        cpuRounds(rng, { ratio: truth, n, order: sliceOrder, ...drifting }).map((r) => cpuRatio(r.ours, r.base)),
        { confidence: 0.95, seed: t },
      ),
    );
    expect(covered).toBeGreaterThanOrEqual(0.925);
    expect(covered).toBeLessThanOrEqual(0.99);
  });

  it('needs the mirrored order: with the baseline always first, the drift biases every round', () => {
    const rng = rngFor(seedFrom('cpu baseline first'));
    const truth = 0.8;
    const baseFirst = () => ['base', 'ours', 'base', 'ours'] as const;
    const covered = coverage(TRIALS, truth, (t) =>
      medianInterval(
        cpuRounds(rng, { ratio: truth, n: 24, order: baseFirst, ...drifting }).map((r) => cpuRatio(r.ours, r.base)),
        { confidence: 0.95, seed: t },
      ),
    );
    expect(covered).toBeLessThan(0.8);
  });
});

describe('pooled latency quantiles', () => {
  it('compares the pooled quantiles, in the orientation asked for', () => {
    const ours = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ];
    const base = [
      [1, 1, 1, 2],
      [2, 2, 2, 4],
    ];
    // Nearest rank: the median of 8 values is the 4th; the 99th percentile is the largest.
    const p50 = pooledQuantileInterval(ours, base, { q: 0.5, confidence: 0.95, seed: 1 });
    expect([p50.ours, p50.base, p50.ratio]).toEqual([4, 2, 0.5]);
    const p99 = pooledQuantileInterval(ours, base, { q: 0.99, better: 'lower', confidence: 0.95, seed: 1 });
    expect([p99.ours, p99.base, p99.ratio]).toEqual([8, 4, 2]);
  });

  it('needs the same number of rounds on both sides', () => {
    expect(() => pooledQuantileInterval([[1], [2]], [[1]], { q: 0.99, confidence: 0.95, seed: 1 })).toThrow(/same number/);
  });

  // Fewer trials than the median's (each interval pools thousands of latencies), so a wider band.
  const TRIALS = 250;
  it.each([
    { n: 8, roundSd: 0.05 },
    { n: 16, roundSd: 0.05 },
    { n: 16, roundSd: 0.2 },
  ])('covers the true p99 ratio at 0.95 with $n rounds whose moments vary by $roundSd', ({ n, roundSd }) => {
    const rng = rngFor(seedFrom(`p99 ${n} ${roundSd}`));
    const factor = 1.3;
    const covered = coverage(TRIALS, 1 / factor, (t) => {
      const { ours, base } = latencyRounds(rng, { factor, n, perRound: 200, roundSd, requestSd: 0.5 });
      return pooledQuantileInterval(ours, base, { q: 0.99, confidence: 0.95, seed: t, resamples: 1000 });
    });
    expect(covered).toBeGreaterThanOrEqual(0.92);
    expect(covered).toBeLessThanOrEqual(0.985);
  });
});

describe('decision rule', () => {
  it.each([
    // goal a floor (higher is better)
    { low: 0.85, high: 0.95, goal: 0.8, better: 'higher', expected: 'pass' },
    { low: 0.8, high: 0.95, goal: 0.8, better: 'higher', expected: 'pass' },
    { low: 0.75, high: 0.85, goal: 0.8, better: 'higher', expected: 'undecided' },
    { low: 0.6, high: 0.79, goal: 0.8, better: 'higher', expected: 'fail' },
    // goal a ceiling (timings, counts, dollars, bytes)
    { low: 0.7, high: 0.9, goal: 1.0, better: 'lower', expected: 'pass' },
    { low: 0.9, high: 1.1, goal: 1.0, better: 'lower', expected: 'undecided' },
    { low: 1.01, high: 1.2, goal: 1.0, better: 'lower', expected: 'fail' },
    // context
    { low: 0.1, high: 0.2, goal: null, better: 'higher', expected: 'context' },
  ] as const)('interval $low–$high against goal $goal ($better is better): $expected', ({ low, high, goal, better, expected }) => {
    expect(verdict({ low, high }, targetOf(goal, better))).toBe(expected);
  });

  it.each([
    { low: 0.97, high: 1.03, expected: 'pass' },
    { low: 0.93, high: 1.01, expected: 'undecided' },
    { low: 0.99, high: 1.08, expected: 'undecided' },
    { low: 0.8, high: 0.94, expected: 'fail' },
    { low: 1.06, high: 1.2, expected: 'fail' },
  ] as const)('a band 0.95–1.05 (the calibration): $low–$high is $expected', ({ low, high, expected }) => {
    expect(verdict({ low, high }, { floor: 0.95, ceiling: 1.05 })).toBe(expected);
  });
});

describe('sequential plan', () => {
  it('looks after the minimum rounds and every step after, sharing the error over its looks', () => {
    const looksAt = Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => isLook(n, PLAN));
    expect(looksAt).toEqual([6, 12, 18, 24]);
    expect(looks(PLAN)).toBe(4);
    expect(lookConfidence(PLAN)).toBeCloseTo(1 - 0.05 / 4, 10);
  });

  /** Runs the rule on synthetic rounds with a fake clock where every round pair takes `pairMs`. */
  async function simulate({
    truth,
    sd,
    goal,
    seed,
    plan = PLAN,
    pairMs = 500,
    capMs = 60_000,
    lateAt = Infinity,
  }: {
    truth: number;
    sd: number;
    goal: number | null;
    seed: number;
    plan?: Plan;
    pairMs?: number;
    capMs?: number;
    lateAt?: number;
  }) {
    const rng = rngFor(seed);
    const ratios: number[] = [];
    let clock = 0;
    return measureSequentially({
      plan,
      target: targetOf(goal),
      step: async () => {
        ratios.push(...roundRatios(rng, { ratio: truth, sd, n: 1 }));
        clock += pairMs;
      },
      summarize: (confidence) => medianInterval(ratios, { confidence, seed, resamples: 1000 }),
      now: () => clock,
      capMs,
      lateAt,
    });
  }

  it('stops at the first look when the answer is plain', async () => {
    const far = await simulate({ truth: 1.3, sd: 0.05, goal: 0.9, seed: 1 });
    expect([far.verdict, far.rounds, far.stopped]).toEqual(['pass', 6, 'decided']);
    const under = await simulate({ truth: 0.5, sd: 0.05, goal: 0.9, seed: 2 });
    expect([under.verdict, under.rounds, under.stopped]).toEqual(['fail', 6, 'decided']);
  });

  it('takes more rounds as the ratio nears its goal', async () => {
    const near = await simulate({ truth: 0.95, sd: 0.05, goal: 0.9, seed: 3 });
    expect(near.verdict).toBe('pass');
    expect(near.rounds).toBeGreaterThan(6);
  });

  it('says undecided at the maximum rounds when the ratio sits on its goal', async () => {
    const on = await simulate({ truth: 0.9, sd: 0.1, goal: 0.9, seed: 4 });
    expect([on.verdict, on.rounds, on.stopped]).toEqual(['undecided', 24, 'max rounds']);
  });

  it('takes a last look at the time cap, never before 3 rounds', async () => {
    const capped = await simulate({ truth: 0.9, sd: 0.1, goal: 0.9, seed: 5, pairMs: 1000, capMs: 10_000 });
    expect([capped.verdict, capped.rounds, capped.stopped]).toEqual(['undecided', 10, 'time cap']);
    const slow = await simulate({ truth: 0.9, sd: 0.1, goal: 0.9, seed: 6, pairMs: 10_000, capMs: 10_000 });
    expect(slow.rounds).toBe(3);
  });

  it('stops a context row at its first look, and every row at its first look once the run is late', async () => {
    const context = await simulate({ truth: 0.2, sd: 0.1, goal: null, seed: 7 });
    expect([context.verdict, context.rounds, context.stopped]).toEqual(['context', 6, 'first look']);
    const late = await simulate({ truth: 0.9, sd: 0.1, goal: 0.9, seed: 8, lateAt: 0 });
    expect([late.verdict, late.rounds, late.stopped]).toEqual(['undecided', 6, 'late']);
  });

  it.each([
    { truth: 0.905, wrongVerdict: 'fail' },
    { truth: 0.895, wrongVerdict: 'pass' },
  ])('decides wrongly at most 5% of the time over all its looks, with the ratio at $truth against 0.9', async ({ truth, wrongVerdict }) => {
    // The hardest case for a sequential rule: the true ratio a hair off its goal, so one verdict
    // is right but barely, and every look is a chance to cross to the other.
    let wrong = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const outcome = await simulate({ truth, sd: 0.1, goal: 0.9, seed: seedFrom(`wrong ${truth} ${t}`) });
      if (outcome.verdict === wrongVerdict) wrong++;
    }
    expect(wrong / trials).toBeLessThanOrEqual(0.05);
  });

  it('agrees with itself: the median of the rounds is the ratio reported', async () => {
    const outcome = await simulate({ truth: 1.1, sd: 0.02, goal: null, seed: 9 });
    const rng = rngFor(9);
    expect(outcome.ratio).toBeCloseTo(median(roundRatios(rng, { ratio: 1.1, sd: 0.02, n: 6 })), 12);
  });
});
