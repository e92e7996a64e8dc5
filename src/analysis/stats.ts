import { linearRegression, medianAbsoluteDeviation } from 'simple-statistics';
import { seededRandom } from '../random.js';
import type { Interval, LineFit } from '../samples/analysis.js';

export { seededRandom };

/**
 * The statistics every verdict rests on, as pure functions with known answers
 * (test/unit/stats.test.ts) and error rates proven by seeded simulation
 * (test/unit/simulation.test.ts, docs/statistics.md).
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, x) => sum + x, 0) / values.length : Number.NaN;
}

/** Sample standard deviation (n − 1). */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, x) => sum + (x - m) ** 2, 0) / (values.length - 1));
}

/** Indices of values far from the median (|x − median| > k · 1.4826 · MAD). Flagged, never dropped. */
export function outlierIndices(values: readonly number[], k = 3.5): number[] {
  if (values.length < 4) return [];
  const center = median(values);
  const scale = 1.4826 * medianAbsoluteDeviation([...values]);
  if (scale === 0) return [];
  return values.flatMap((value, index) => (Math.abs(value - center) > k * scale ? [index] : []));
}

// ─── Distributions ───────────────────────────────────────────────────────────

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): about 15 significant digits. */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i += 1) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz, as in Numerical Recipes `betacf`). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Student-t distribution function P(T ≤ t) with `df` degrees of freedom (exact, via the incomplete beta). */
export function tCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student-t quantile: the t with P(T ≤ t) = p, by bisection on the exact distribution function. */
export function tQuantile(p: number, df: number): number {
  if (!(df >= 1) || p <= 0 || p >= 1) return p >= 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  if (p === 0.5) return 0;
  let low = -1;
  let high = 1;
  while (tCdf(low, df) > p) low *= 2;
  while (tCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * Math.max(1, Math.abs(high)); i += 1) {
    const middle = (low + high) / 2;
    if (tCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Standard normal distribution function: Φ(z) = ½ erfc(−z/√2), erf by its series below 3, erfc by continued fraction above. */
export function normalCdf(z: number): number {
  if (z === 0) return 0.5;
  const x = Math.abs(z) / Math.SQRT2;
  const erfc = x < 3 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
  return z > 0 ? 1 - erfc / 2 : erfc / 2;
}

function erfSeries(x: number): number {
  // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n += 1) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function erfcContinuedFraction(x: number): number {
  // erfc(x) = exp(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …))))
  let f = x;
  for (let k = 60; k >= 1; k -= 1) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal quantile, by bisection on normalCdf. */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  let low = -40;
  let high = 40;
  for (let i = 0; i < 200 && high - low > 1e-13; i += 1) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

// ─── Tests and intervals ─────────────────────────────────────────────────────

export interface TTest {
  n: number;
  mean: number;
  sd: number;
  /** Standard error of the mean. */
  se: number;
  df: number;
  /** (mean − null) / se. */
  t: number;
  /** One-sided p for "the mean is above the null value" (small when it clearly is). */
  pAbove: number;
  /** One-sided p for "the mean is below the null value". */
  pBelow: number;
  pTwoSided: number;
}

/**
 * One-sample (or paired, on the differences) Student t test of the mean
 * against `nullValue`. Undefined with fewer than 2 values; with no spread at
 * all, the p-values are 0 or 1 by the sign of the difference.
 */
export function tTest(values: readonly number[], nullValue = 0): TTest | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const m = mean(values);
  const sd = standardDeviation(values);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const t = se > 0 ? (m - nullValue) / se : m === nullValue ? 0 : Math.sign(m - nullValue) * Number.POSITIVE_INFINITY;
  const pBelow = tCdf(t, df);
  const pAbove = 1 - pBelow;
  return { n, mean: m, sd, se, df, t, pAbove, pBelow, pTwoSided: Math.min(1, 2 * Math.min(pAbove, pBelow)) };
}

/** Student-t interval for the mean at `confidence` (two-sided). Infinite with fewer than 2 values. */
export function tInterval(values: readonly number[], confidence = 0.95): Interval {
  const test = tTest(values);
  if (!test) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  const half = tQuantile(1 - (1 - confidence) / 2, test.df) * test.se;
  return { low: test.mean - half, high: test.mean + half };
}

export interface WelchTest {
  /** mean(b) − mean(a). */
  difference: number;
  se: number;
  df: number;
}

/** Welch's unequal-variance comparison of two independent samples (e.g. two sessions). */
export function welchTest(a: readonly number[], b: readonly number[]): WelchTest | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const va = standardDeviation(a) ** 2 / a.length;
  const vb = standardDeviation(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1) || 1);
  return { difference: mean(b) - mean(a), se, df: Math.max(1, df) };
}

/** Welch interval for mean(b) − mean(a). */
export function welchInterval(a: readonly number[], b: readonly number[], confidence = 0.95): Interval {
  const test = welchTest(a, b);
  if (!test) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  const half = tQuantile(1 - (1 - confidence) / 2, test.df) * test.se;
  return { low: test.difference - half, high: test.difference + half };
}

// ─── Power ───────────────────────────────────────────────────────────────────

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

/** What a Welch comparison of two sessions detects with 80% power at 95% confidence, as a relative change. */
export function welchDetectableEffect(a: readonly number[], b: readonly number[], confidence = 0.95, power = 0.8): number {
  const test = welchTest(a, b);
  if (!test) return Number.POSITIVE_INFINITY;
  return Math.exp((tQuantile(1 - (1 - confidence) / 2, test.df) + tQuantile(power, test.df)) * test.se) - 1;
}

// ─── Many comparisons, many looks ────────────────────────────────────────────

/**
 * Holm's step-down procedure: which hypotheses to reject so that the chance
 * of any false rejection in the family stays at most `alpha` (family-wise).
 */
export function holm(pValues: readonly number[], alpha: number): boolean[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const rejected = pValues.map(() => false);
  for (let rank = 0; rank < order.length; rank += 1) {
    const [p, index] = order[rank]!;
    if (!(p <= alpha / (order.length - rank))) break;
    rejected[index] = true;
  }
  return rejected;
}

/** Holm-adjusted p-values: the smallest family-wise level at which each would be rejected. */
export function holmAdjusted(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = pValues.map(() => 1);
  let running = 0;
  order.forEach(([p, index], rank) => {
    running = Math.max(running, Math.min(1, (order.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg: which hypotheses to reject so that the expected share of
 * false discoveries among them stays at most `q`. When every null is true (an
 * A/A session) that is also the chance of any false discovery.
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): boolean[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  let cutoff = -1;
  order.forEach(([p], rank) => {
    if (p <= ((rank + 1) / order.length) * q) cutoff = rank;
  });
  const rejected = pValues.map(() => false);
  for (let rank = 0; rank <= cutoff; rank += 1) rejected[order[rank]![1]] = true;
  return rejected;
}

/**
 * O'Brien–Fleming-type alpha spending (Lan–DeMets): the error rate spent by
 * information fraction `fraction` (0–1] for a test of one-sided level `alpha`.
 * Almost nothing early, nearly all of it at the last look, so stopping early
 * takes an overwhelming effect and the final look keeps nearly its full level.
 */
export function obrienFlemingSpent(fraction: number, alpha: number): number {
  if (fraction <= 0) return 0;
  const t = Math.min(1, fraction);
  return 2 - 2 * normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(t));
}

/**
 * The level each look may use so that, over all looks, the one-sided error
 * stays at most `alpha`: the spending function's increments, combined by the
 * union bound (valid whatever the correlation between looks; conservative).
 */
export function lookLevels(looksAtPairs: readonly number[], maxPairs: number, alpha: number): number[] {
  let spent = 0;
  return looksAtPairs.map((pairs) => {
    const total = obrienFlemingSpent(pairs / maxPairs, alpha);
    const level = Math.max(0, total - spent);
    spent = Math.max(spent, total);
    return level;
  });
}

// ─── Models ──────────────────────────────────────────────────────────────────

/** Ordinary least squares y = intercept + slope·x, with standard errors of both coefficients. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = xs.length;
  if (n !== ys.length || n < 3) throw new Error('fitLine needs at least 3 (x, y) pairs');
  const { m: slope, b: intercept } = linearRegression(xs.map((x, i) => [x, ys[i]!]));
  const meanX = mean(xs);
  const meanY = mean(ys);
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
