/** 95% percentile-bootstrap intervals for medians and ratios of medians. */
import { median, percentile } from './util.js';

export interface Interval {
  lo: number;
  hi: number;
}

export const RESAMPLES = 2000;
// A fixed seed: the same samples always give the same interval, so reruns of a table agree.
const SEED = 0x5eed;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const resample = (xs: readonly number[], random: () => number) => xs.map(() => xs[Math.floor(random() * xs.length)]!);

/** Each sample set is resampled independently; `stat` gets the medians of the resamples, in order. */
function bootstrapMedians(samples: readonly (readonly number[])[], stat: (medians: number[]) => number): Interval {
  const random = seededRandom(SEED);
  const stats = Array.from({ length: RESAMPLES }, () => stat(samples.map((xs) => median(resample(xs, random)))));
  return { lo: percentile(stats, 2.5), hi: percentile(stats, 97.5) };
}

export const medianCI = (xs: readonly number[]): Interval => bootstrapMedians([xs], ([m]) => m!);
export const medianRatioCI = (a: readonly number[], b: readonly number[]): Interval => bootstrapMedians([a, b], ([ma, mb]) => ma! / mb!);

/**
 * Median of b − a over the repetitions both ran (pairs: repetition → sample), with its 95%
 * interval from resampling whole pairs. Variants interleaved in one repetition share the
 * machine's state of that moment, so pairing removes much of a busy machine's drift.
 */
export function pairedDiff(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): { median: number; ci: Interval; n: number; faster: number } | undefined {
  const diffs = [...b].flatMap(([rep, y]) => (a.has(rep) ? [y - a.get(rep)!] : []));
  if (!diffs.length) return undefined;
  const random = seededRandom(SEED);
  const stats = Array.from({ length: RESAMPLES }, () => median(resample(diffs, random)));
  return { median: median(diffs), ci: { lo: percentile(stats, 2.5), hi: percentile(stats, 97.5) }, n: diffs.length, faster: diffs.filter((d) => d < 0).length };
}

/**
 * a ÷ b in each run both completed (run → value). The relay section interleaves its servers run by
 * run, so a slow spell of this shared machine (which can halve a run's msg/s) falls on both sides
 * of a ratio taken within one run more often than on both sides of a ratio of medians.
 */
export function pairedRatios(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number[] {
  return [...a].flatMap(([run, x]) => (b.has(run) ? [x / b.get(run)!] : []));
}
