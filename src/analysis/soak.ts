import { seededRandom } from '../random.js';
import type { Budget, BudgetVerdict, Growth, Slope, SoakAnalysis } from '../samples/analysis.js';
import { growthMetrics, type GrowthMetric } from '../samples/metrics.js';
import type { MeasuredRun, RunSample, SoakDesign } from '../samples/result.js';
import { configMatches, VERDICT_ALPHA } from './budgets.js';
import { mean, median, normalQuantile, standardDeviation } from './stats.js';

const HOUR_MS = 3_600_000;
/** Fewer samples than this after warm-up give no slope. */
export const MIN_SOAK_SAMPLES = 6;
const BOOTSTRAP_REPS = 400;
/** 80% power at a two-sided 5%: a true slope this many standard errors from 0 is found 80% of the time. */
const DETECTABLE_SE = normalQuantile(0.975) + normalQuantile(0.8);

/** Theil–Sen: the median of the slopes between every two points (robust to a few odd samples, e.g. a GC at a bad moment). */
export function theilSen(xs: readonly number[], ys: readonly number[]): number {
  // A typed array sorts numerically and fast: the bootstrap calls this hundreds of times per series.
  const slopes = new Float64Array((xs.length * (xs.length - 1)) / 2);
  let count = 0;
  for (let i = 0; i < xs.length; i += 1) {
    for (let j = i + 1; j < xs.length; j += 1) {
      if (xs[j] !== xs[i]) slopes[count++] = (ys[j]! - ys[i]!) / (xs[j]! - xs[i]!);
    }
  }
  if (count === 0) return Number.NaN;
  const sorted = slopes.subarray(0, count).sort();
  const middle = count >> 1;
  return count % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * A Theil–Sen slope with a moving-block bootstrap: memory and CPU samples a few seconds apart are autocorrelated
 * (a buffer fills and flushes over several samples), so points are resampled in runs of consecutive samples
 * (block length ∝ n^⅓) and each resample keeps its own times. Returns the slope, its bootstrap standard error and a
 * percentile CI at `confidence`.
 */
export function slopeWithCI(xs: readonly number[], ys: readonly number[], seed: number, confidence = 0.95): { slope: number; se: number; ci: { low: number; high: number } } {
  const n = xs.length;
  const slope = theilSen(xs, ys);
  const block = Math.max(2, Math.round(1.5 * Math.cbrt(n)));
  const random = seededRandom(seed);
  const draws: number[] = [];
  for (let rep = 0; rep < BOOTSTRAP_REPS; rep += 1) {
    const bx: number[] = [];
    const by: number[] = [];
    while (bx.length < n) {
      const start = Math.floor(random() * (n - block + 1));
      for (let k = start; k < start + block && bx.length < n; k += 1) {
        bx.push(xs[k]!);
        by.push(ys[k]!);
      }
    }
    const draw = theilSen(bx, by);
    if (Number.isFinite(draw)) draws.push(draw);
  }
  draws.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  const at = (p: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))] ?? Number.NaN;
  // The percentile interval, centred on the full-data slope (the draws' median can sit off it on short series).
  const shift = slope - at(0.5);
  return { slope, se: standardDeviation(draws), ci: { low: at(tail) + shift, high: at(1 - tail) + shift } };
}

/** The samples after warm-up: the first `warmupShare` of the window is left out. */
export function afterWarmup<T extends { tMs: number }>(points: readonly T[], soak: SoakDesign): T[] {
  return points.filter((p) => p.tMs >= soak.warmupShare * soak.durationMs);
}

function fit(points: ReadonlyArray<{ tMs: number; value: number }>, seed: number): { slope: number; se: number; ci: { low: number; high: number } } {
  return slopeWithCI(points.map((p) => p.tMs / HOUR_MS), points.map((p) => p.value), seed);
}

/** Several windows: the mean of their slopes, its standard error from each one's, and a normal CI. One window: its own. */
function combine(fits: ReadonlyArray<{ slope: number; se: number; ci: { low: number; high: number } }>): Slope & { se: number } {
  if (fits.length === 1) return { perHour: fits[0]!.slope, ci: fits[0]!.ci, se: fits[0]!.se };
  const perHour = mean(fits.map((f) => f.slope));
  const se = Math.sqrt(fits.reduce((sum, f) => sum + f.se ** 2, 0)) / fits.length;
  const z = normalQuantile(0.975);
  return { perHour, ci: { low: perHour - z * se, high: perHour + z * se }, se };
}

/** The candidate's series minus its partner's, by sample index (both probes are asked at the same moment). */
function difference(a: ReadonlyArray<{ tMs: number; value: number }>, b: ReadonlyArray<{ tMs: number; value: number }>) {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, i) => ({ tMs: (a[i]!.tMs + b[i]!.tMs) / 2, value: a[i]!.value - b[i]!.value }));
}

function findingOf(slope: Slope): Growth['finding'] {
  if (slope.ci.low > 0) return 'grows';
  if (slope.ci.high < 0) return 'shrinks';
  return 'no growth detected';
}

const soakRuns = (runs: readonly RunSample[]) => runs.filter((run): run is MeasuredRun => run.status === 'measured' && (run.soak?.length ?? 0) > 0);

/**
 * Growth per config and metric over the soak windows: each config's own slope, and (for a candidate) the slope of
 * its series minus the baseline's beside it, which is what the finding and the budgets use.
 */
export function soakGrowth(runs: readonly RunSample[], baseline: string, soak: SoakDesign, seed = 1): SoakAnalysis {
  const measured = soakRuns(runs);
  const configs = [...new Set(measured.map((run) => run.config))];
  const growth: Growth[] = [];
  for (const config of configs) {
    const own = measured.filter((run) => run.config === config);
    for (const metric of Object.keys(growthMetrics) as GrowthMetric[]) {
      const series = growthMetrics[metric].series;
      const ownFits = own.map((run) => afterWarmup(series(run), soak)).filter((points) => points.length >= MIN_SOAK_SAMPLES)
        .map((points, i) => fit(points, seed + i));
      if (!ownFits.length) continue;
      const ownSlope = combine(ownFits);
      let paired: (Slope & { se: number }) | undefined;
      if (config !== baseline) {
        const pairFits = own.flatMap((run, i) => {
          const partner = measured.find((other) => other.pair === run.pair && other.config === baseline);
          if (!partner) return [];
          const points = afterWarmup(difference(series(run), series(partner)), soak);
          return points.length >= MIN_SOAK_SAMPLES ? [fit(points, seed + 100 + i)] : [];
        });
        if (pairFits.length) paired = combine(pairFits);
      }
      const judged = paired ?? ownSlope;
      const samples = Math.min(...own.map((run) => afterWarmup(series(run), soak).length));
      growth.push({
        config, metric, windows: ownFits.length, samples,
        own: { perHour: ownSlope.perHour, ci: ownSlope.ci },
        ...(paired ? { paired: { perHour: paired.perHour, ci: paired.ci } } : {}),
        detectablePerHour: DETECTABLE_SE * judged.se,
        finding: findingOf(judged),
      });
    }
  }
  return {
    method: `Slopes per hour by Theil–Sen (the median of the slopes between every two samples) over the samples after the first ` +
      `${Math.round(soak.warmupShare * 100)}% of each window (warm-up: JIT, caches, pools); 95% CIs by a moving-block bootstrap ` +
      `(${BOOTSTRAP_REPS} resamples of runs of consecutive samples, as the samples are autocorrelated). A candidate is judged on its series minus ` +
      `the baseline's beside it, sample by sample, so the machine's drift cancels. Memory is read right after a full GC the probe forces in both ` +
      `targets at once every ${soak.sampleMs / 1000} s.`,
    growth,
  };
}

/** "+5MB/h": a ceiling on a growth slope, in the metric's unit per hour; an error message when malformed. */
export function parseGrowthBudget(metric: GrowthMetric, text: string): { kind: 'growth'; limit: number } | string {
  const units: Record<string, number> = growthMetrics[metric].budgetUnits;
  const allowed = Object.keys(units);
  if (!allowed.length) return `${metric} has no budget yet; it is reported with each soak`;
  const match = /^\s*\+?\s*(\d+(?:\.\d+)?)\s*([a-z]+\s*\/\s*h)\s*$/i.exec(text);
  const scale = match ? units[match[2]!.replace(/\s+/g, '').toLowerCase()] : undefined;
  if (!match || scale === undefined) return `expected a growth per hour like "+5MB/h" (${allowed.join(', ')}), got "${text}"`;
  const limit = Number(match[1]) * scale;
  if (!(limit <= 1e9)) return `at most 1e+9 ${growthMetrics[metric].unit}/h (a budget no leak could break never fails), got "${text}"`;
  return { kind: 'growth', limit };
}

/**
 * Three states on the paired slope: fail when its CI is wholly above the limit, pass when wholly below, else
 * inconclusive. Bonferroni over the session's growth checks keeps any false fail (or false pass) at most VERDICT_ALPHA.
 */
export function judgeGrowth(budgets: readonly Budget[], soak: SoakAnalysis): BudgetVerdict[] {
  const checks = budgets.filter((b) => b.kind === 'growth').flatMap((budget) =>
    soak.growth.filter((g) => g.metric === budget.metric && configMatches(budget.config, g.config)).map((growth) => ({ budget, growth })));
  const missing = budgets.filter((b) => b.kind === 'growth' && !checks.some((c) => c.budget === b));
  const z = normalQuantile(1 - VERDICT_ALPHA / Math.max(1, checks.length));
  const verdicts: BudgetVerdict[] = checks.map(({ budget, growth }) => {
    const slope = growth.paired ?? growth.own;
    const se = growth.detectablePerHour / DETECTABLE_SE;
    const base = { budget, config: growth.config, n: growth.windows, value: slope.perHour, ci: slope.ci };
    if (slope.perHour - z * se > budget.limit) return { ...base, verdict: 'fail' as const, note: 'grows faster than the budget' };
    if (slope.perHour + z * se < budget.limit) return { ...base, verdict: 'pass' as const };
    return { ...base, verdict: 'inconclusive' as const, note: 'the slope\'s CI straddles the budget: soak longer' };
  });
  for (const budget of missing) {
    verdicts.push({ budget, config: budget.config, n: 0, verdict: 'inconclusive', note: 'no soak samples for this config: growth budgets need workload.soak (or run --soak)' });
  }
  return verdicts;
}
