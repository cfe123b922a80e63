/**
 * Summary statistics of a set of timings, defined as trtexec defines them (samples/common/sampleReporting.cpp), so
 * that figures can be put side by side with trtexec's:
 * - median: the middle value of the sorted set, or the mean of the two middle values for an even count;
 * - percentile p: nearest rank from the top: of n sorted values, floor((1 - p/100) * n) are excluded above it, so it
 *   is value[max(n - 1 - floor((1 - p/100) * n), 0)]. trtexec does this arithmetic in single precision; so do we,
 *   because with doubles the rank differs at some counts (p90 of 10 values: float gives the 9th, double the 10th);
 * - coefficient of variation: population standard deviation / mean, in percent.
 */

/** Summary of a set of values: count, extremes, mean, median, 90/95/99th percentiles and CV. */
export interface Stats {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p90: number;
  p95: number;
  p99: number;
  /** Coefficient of variation: population standard deviation / mean × 100. Infinity when the mean is 0 and the values are not all 0. */
  cvPercent: number;
}

/** trtexec's rank for percentile `p` of `n` sorted values (0-based), in single-precision arithmetic as trtexec computes it. */
export function percentileIndex(p: number, n: number): number {
  const f = Math.fround;
  const exclude = Math.trunc(f(f(1 - f(f(p) / 100)) * f(n)));
  return Math.max(n - 1 - exclude, 0);
}

/** Percentile `p` in [0, 100] of ascending `sorted` values, by trtexec's rule; NaN for no values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (sorted.length === 0) return NaN;
  return sorted[percentileIndex(p, sorted.length)];
}

/** Median of ascending `sorted` values: the mean of the two middle ones for an even count; NaN for no values. */
export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Summarizes values (any order; not modified). Every field is NaN for no values. */
export function summarize(values: ArrayLike<number>): Stats {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, min: NaN, max: NaN, mean: NaN, median: NaN, p90: NaN, p95: NaN, p99: NaN, cvPercent: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  const std = Math.sqrt(squares / n);
  return {
    count: n,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    median: median(sorted),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    cvPercent: mean === 0 ? (std === 0 ? 0 : Infinity) : (std / mean) * 100,
  };
}
