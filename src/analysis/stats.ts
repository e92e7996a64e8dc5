import { linearRegression, medianAbsoluteDeviation, quantileSorted } from 'simple-statistics';
import { seededRandom } from '../random.js';

export { seededRandom };

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  iterations?: number;
  confidence?: number;
  seed?: number;
}

/**
 * Percentile bootstrap CI of `statistic` (the median by default): resample the
 * values with replacement, recompute, take the (α/2, 1−α/2) quantiles.
 * Seeded, so a result file always re-renders to the same interval.
 */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions = {}, statistic: (sample: number[]) => number = median): Interval {
  const { iterations = 4000, confidence = 0.95, seed = 1 } = options;
  if (values.length === 0) return { low: Number.NaN, high: Number.NaN };
  if (values.length === 1) return { low: values[0]!, high: values[0]! };
  const random = seededRandom(seed);
  const estimates = new Float64Array(iterations);
  const sample = new Array<number>(values.length);
  for (let i = 0; i < iterations; i += 1) {
    for (let j = 0; j < values.length; j += 1) sample[j] = values[Math.floor(random() * values.length)]!;
    estimates[i] = statistic(sample);
  }
  const sorted = Array.from(estimates).sort((a, b) => a - b);
  const alpha = 1 - confidence;
  return { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2) };
}

/**
 * Two-sided sign-flip permutation test for paired differences (H0: the
 * differences are symmetric around 0). Exact for up to 16 pairs, otherwise
 * Monte Carlo with a seed. simple-statistics' permutationTest is for two
 * independent samples, which would throw away the pairing.
 */
export function pairedPermutationPValue(differences: readonly number[], options: { iterations?: number; seed?: number } = {}): number {
  const n = differences.length;
  if (n === 0) return Number.NaN;
  const observed = Math.abs(differences.reduce((sum, d) => sum + d, 0));
  const tolerance = 1e-12 * Math.max(1, observed);
  let extreme = 0;
  let total = 0;
  if (n <= 16) {
    for (let mask = 0; mask < 1 << n; mask += 1) {
      let sum = 0;
      for (let i = 0; i < n; i += 1) sum += mask & (1 << i) ? -differences[i]! : differences[i]!;
      if (Math.abs(sum) >= observed - tolerance) extreme += 1;
      total += 1;
    }
    return extreme / total;
  }
  const { iterations = 20_000, seed = 1 } = options;
  const random = seededRandom(seed);
  for (let k = 0; k < iterations; k += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += random() < 0.5 ? -differences[i]! : differences[i]!;
    if (Math.abs(sum) >= observed - tolerance) extreme += 1;
  }
  // Count the observed arrangement itself, so p is never 0.
  return (extreme + 1) / (iterations + 1);
}

/** Indices of values far from the median (|x − median| > k · 1.4826 · MAD). Flagged, never dropped. */
export function outlierIndices(values: readonly number[], k = 3.5): number[] {
  if (values.length < 4) return [];
  const center = median(values);
  const scale = 1.4826 * medianAbsoluteDeviation([...values]);
  if (scale === 0) return [];
  return values.flatMap((value, index) => (Math.abs(value - center) > k * scale ? [index] : []));
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/**
 * Against a budget (an upper limit on the overhead): pass when the whole CI is
 * within it, fail when the whole CI is over it, inconclusive otherwise.
 */
export function verdictAgainstBudget(ci: Interval, budget: number): Verdict {
  if (!Number.isFinite(ci.low) || !Number.isFinite(ci.high)) return 'inconclusive';
  if (ci.high <= budget) return 'pass';
  if (ci.low > budget) return 'fail';
  return 'inconclusive';
}

export type Significance = 'significant overhead' | 'significant improvement' | 'no significant difference';

/** With no budget: does the CI of the change exclude zero? */
export function significance(ci: Interval): Significance {
  if (ci.low > 0) return 'significant overhead';
  if (ci.high < 0) return 'significant improvement';
  return 'no significant difference';
}

export interface LineFit {
  intercept: number;
  slope: number;
  interceptSE: number;
  slopeSE: number;
  r2: number;
  n: number;
}

/** Ordinary least squares y = intercept + slope·x, with standard errors of both coefficients. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = xs.length;
  if (n !== ys.length || n < 3) throw new Error('fitLine needs at least 3 (x, y) pairs');
  const { m: slope, b: intercept } = linearRegression(xs.map((x, i) => [x, ys[i]!]));
  const meanX = xs.reduce((s, x) => s + x, 0) / n;
  const meanY = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = xs.reduce((s, x) => s + (x - meanX) ** 2, 0);
  const residualSS = xs.reduce((s, x, i) => s + (ys[i]! - (intercept + slope * x)) ** 2, 0);
  const totalSS = ys.reduce((s, y) => s + (y - meanY) ** 2, 0);
  const sigma2 = residualSS / (n - 2);
  return {
    intercept,
    slope,
    slopeSE: sxx > 0 ? Math.sqrt(sigma2 / sxx) : Number.NaN,
    interceptSE: sxx > 0 ? Math.sqrt(sigma2 * (1 / n + meanX ** 2 / sxx)) : Number.NaN,
    r2: totalSS > 0 ? 1 - residualSS / totalSS : 1,
    n,
  };
}

/** Standard normal quantile (Acklam's approximation), for minimum-detectable-effect estimates. */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Student-t quantile: the 95% two-sided value from the table, other levels by a
 * Cornish–Fisher expansion around the normal quantile (within 0.3% of exact
 * for 2+ degrees of freedom at the levels used here).
 */
export function tQuantile(p: number, df: number): number {
  if (Math.abs(p - 0.975) < 1e-12) return tQuantile975(df);
  const z = normalQuantile(p);
  const v = Math.max(1, df);
  return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3);
}

/**
 * The smallest relative effect a paired design with `pairs` pairs detects
 * with 80% power at 95% confidence, given the SD of the per-pair A/A
 * log-ratio: (t₀.₉₇₅ + t₀.₈₀ with n − 1 df) · SD / √n. With t rather than z,
 * so small sessions are not promised power they do not have.
 */
export function minimumDetectableEffect(aaLogRatioSD: number, pairs: number, confidence = 0.95, power = 0.8): number {
  if (pairs < 2) return Number.POSITIVE_INFINITY;
  const df = pairs - 1;
  const t = tQuantile(1 - (1 - confidence) / 2, df) + tQuantile(power, df);
  return Math.exp((t * aaLogRatioSD) / Math.sqrt(pairs)) - 1;
}

/** The fewest pairs that detect `effect` (0.05 = 5%) with 80% power, up to `max`; undefined beyond it. */
export function pairsToDetect(aaLogRatioSD: number, effect: number, max = 500): number | undefined {
  for (let n = 2; n <= max; n += 1) if (minimumDetectableEffect(aaLogRatioSD, n) <= effect) return n;
  return undefined;
}

/**
 * Bootstrap CI of median(b) − median(a) for two independent samples (e.g. the
 * per-block log-ratios of a saved base result and a new head result).
 */
export function bootstrapDifferenceCI(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): Interval {
  const { iterations = 4000, confidence = 0.95, seed = 1 } = options;
  if (a.length === 0 || b.length === 0) return { low: Number.NaN, high: Number.NaN };
  const random = seededRandom(seed);
  const estimates = new Float64Array(iterations);
  const resample = (values: readonly number[]) => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  for (let i = 0; i < iterations; i += 1) estimates[i] = median(resample(b)) - median(resample(a));
  const sorted = Array.from(estimates).sort((x, y) => x - y);
  const alpha = 1 - confidence;
  return { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2) };
}

const t975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Two-sided 95% Student-t quantile (table to 30 df, Cornish–Fisher beyond; fractional df round down). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Number.POSITIVE_INFINITY;
  const whole = Math.floor(df);
  if (whole <= 30) return t975[whole - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * whole);
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1) : Number.NaN;
  return { mean, variance };
}

/** 95% Student-t interval for the mean. Infinite with fewer than 2 values. */
export function tInterval(values: readonly number[]): Interval {
  if (values.length < 2) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  const { mean, variance } = meanAndVariance(values);
  const half = tQuantile975(values.length - 1) * Math.sqrt(variance / values.length);
  return { low: mean - half, high: mean + half };
}

/** 95% Welch interval for mean(b) − mean(a). */
export function welchInterval(a: readonly number[], b: readonly number[]): Interval {
  if (a.length < 2 || b.length < 2) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  const x = meanAndVariance(a);
  const y = meanAndVariance(b);
  const va = x.variance / a.length;
  const vb = y.variance / b.length;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1) || 1);
  const half = tQuantile975(df) * se;
  return { low: y.mean - x.mean - half, high: y.mean - x.mean + half };
}

/**
 * The union of two intervals. The percentile bootstrap of a median is
 * overconfident with few blocks (it can only resample a handful of values);
 * the t interval is honest there. Reporting the hull means a verdict needs
 * both to agree.
 */
export function hull(a: Interval, b: Interval): Interval {
  return { low: Math.min(a.low, b.low), high: Math.max(a.high, b.high) };
}
