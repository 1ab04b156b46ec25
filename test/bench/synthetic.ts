// Synthetic round data for the bench's statistics: a known true ratio under known noise, drawn
// from a seeded generator so every test sees the same numbers on every run.
import { createRng } from '../../bench/stats.ts';

export type Rng = () => number;

export const rngFor = (seed: number): Rng => createRng(seed);

/** Standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Student's t with `nu` degrees of freedom (heavy tails: rounds hit by another process). */
export function studentT(rng: Rng, nu: number): number {
  let chi2 = 0;
  for (let i = 0; i < nu; i++) chi2 += normal(rng) ** 2;
  return normal(rng) / Math.sqrt(chi2 / nu);
}

export type Noise = 'lognormal' | 'heavy-tailed';

/**
 * `n` per-round ratios around `ratio`: ratio * exp(e), e symmetric around 0 with scale `sd`, so the
 * median of the rounds' distribution is exactly `ratio`.
 */
export function roundRatios(
  rng: Rng,
  { ratio, sd, n, noise = 'lognormal' }: { ratio: number; sd: number; n: number; noise?: Noise },
): number[] {
  return Array.from({ length: n }, () => ratio * Math.exp(sd * (noise === 'lognormal' ? normal(rng) : studentT(rng, 3))));
}

/**
 * `n` rounds of request latencies per side. Each side's round has its own slowdown (the machine's
 * moment), and within a round latencies are lognormal; our side is `factor` times slower in every
 * respect, so the pooled distributions' quantiles differ by exactly `factor`.
 */
export function latencyRounds(
  rng: Rng,
  { factor, n, perRound, roundSd, requestSd }: { factor: number; n: number; perRound: number; roundSd: number; requestSd: number },
): { ours: number[][]; base: number[][] } {
  const side = (scale: number) =>
    Array.from({ length: n }, () => {
      const moment = scale * Math.exp(roundSd * normal(rng));
      return Array.from({ length: perRound }, () => moment * Math.exp(requestSd * normal(rng)));
    });
  return { ours: side(factor), base: side(1) };
}

export interface Spent {
  cpuNs: number;
  requests: number;
}

/**
 * `n` rounds of CPU time per side, built slice by slice as the bench takes them: four slices a
 * round in the order `order(i)` gives, each of `requests` requests whose CPU per request is the
 * side's cost times the machine's speed at that moment times lognormal noise (`sliceSd`). The
 * machine's speed drifts: a steady `trend` per slice plus a random walk of `walkSd` per slice.
 * The true ratio (baseline CPU per request over ours) is `ratio`.
 */
export function cpuRounds(
  rng: Rng,
  {
    ratio,
    n,
    order,
    sliceSd,
    walkSd,
    trend,
    requests = 100,
  }: {
    ratio: number;
    n: number;
    order: (i: number) => readonly ('ours' | 'base')[];
    sliceSd: number;
    walkSd: number;
    trend: number;
    requests?: number;
  },
): { ours: Spent; base: Spent }[] {
  let speed = 0;
  return Array.from({ length: n }, (_, i) => {
    const round = { ours: { cpuNs: 0, requests: 0 }, base: { cpuNs: 0, requests: 0 } };
    for (const side of order(i)) {
      speed += trend + walkSd * normal(rng);
      const cost = side === 'ours' ? 1000 / ratio : 1000;
      round[side].cpuNs += requests * cost * Math.exp(speed + sliceSd * normal(rng));
      round[side].requests += requests;
    }
    return round;
  });
}
