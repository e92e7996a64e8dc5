import type { Budget, BudgetVerdict, LookSchedule, Verdict } from '../samples/analysis.js';
import { metrics, volumeMetrics, type MetricName, type VolumeMetric } from '../samples/metrics.js';
import type { RunSample } from '../samples/result.js';
import { holmAdjusted, lookLevels, mean, tInterval, tTest } from './stats.js';
import { isValidRun, pairsFor } from './summary.js';
import { failurePairs } from './behaviour.js';

export type { Budget, BudgetVerdict, LookSchedule };

/** Bounds on what a budget may say: beyond them a budget can never fail, and its figures overflow in reports. */
export const MAX_RELATIVE_PERCENT = 10_000;
const MAX_ABSOLUTE = 1e12;
const MAX_VOLUME_PER_REQUEST = 1e9;

/** "3" spans per request, "2KB" per request: an upper limit on a counted volume. */
export function parseVolumeBudget(metric: VolumeMetric, text: string): { kind: 'volume'; limit: number } | string {
  const match = /^\s*(?:≤|<=)?\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const sized = metric === 'bytes' || metric === 'logBytes';
  const scale = sized ? { '': 1, b: 1, kb: 1024, mb: 1024 ** 2 }[match?.[2]?.toLowerCase() ?? ''] : match?.[2] ? undefined : 1;
  if (!match || scale === undefined) return `expected ${sized ? 'a size per request like "2KB"' : `a number per request like "3"`}, got "${text}"`;
  const limit = Number(match[1]) * scale;
  if (!(limit <= MAX_VOLUME_PER_REQUEST)) return `at most ${MAX_VOLUME_PER_REQUEST.toExponential()} per request, got "${text}"`;
  return { kind: 'volume', limit };
}

/** Parse "+15%", "+2ms", "+64MB" for a metric; returns an error message instead when malformed. */
export function parseBudgetValue(metric: MetricName, text: string): { kind: Budget['kind']; limit: number } | string {
  const match = /^\s*\+?\s*(\d+(?:\.\d+)?)\s*(%|[a-zµ]+)\s*$/i.exec(text);
  if (!match) return `expected a limit like "+15%" or "+2ms", got "${text}"`;
  const value = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit === '%') {
    if (!(value <= MAX_RELATIVE_PERCENT)) return `at most +${MAX_RELATIVE_PERCENT}% (a budget no agent could break never fails), got "${text}"`;
    return { kind: 'relative', limit: value / 100 };
  }
  const units: Record<string, number> = metrics[metric].budgetUnits;
  const scale = Object.hasOwn(units, unit) ? units[unit] : undefined;
  if (scale === undefined) {
    const allowed = Object.keys(units);
    return `${metric} takes "%"${allowed.length ? ` or ${allowed.map((u) => `"${u}"`).join(', ')}` : ' only'}, got "${text}"`;
  }
  if (!(value * scale <= MAX_ABSOLUTE)) return `at most ${MAX_ABSOLUTE.toExponential()} in ${metric}'s unit, got "${text}"`;
  return { kind: 'absolute', limit: value * scale };
}

/** `errors: "+0.5%"`: at most half a point more of the requests may fail than on the baseline. */
export function parseErrorBudget(text: string): { kind: 'absolute'; limit: number } | string {
  const match = /^\s*\+?\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!match) return `expected the extra share of failed requests, in points, like "+0.5%", got "${text}"`;
  if (!(Number(match[1]) <= 100)) return `at most +100% (every request), got "${text}"`;
  return { kind: 'absolute', limit: Number(match[1]) / 100 };
}

/**
 * A budget key against a config name, `*` matching any run of characters. At most the product of the two lengths (a wildcard matcher
 * that remembers only the last star), where a `.*`-per-star regex backtracks exponentially: 25 stars took over 20 s.
 */
export function configMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p += 1;
      n += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = n;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      n = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** The error rate of each verdict direction: a false fail, or a false pass, each at most 2.5% (a 95% CI's two tails). */
export const VERDICT_ALPHA = 0.025;

interface Check {
  budget: Budget;
  config: string;
  /** Relative: per-pair log-ratios against ln(1 + limit); absolute: per-pair differences; volume: per-run values. */
  values: number[];
  nullValue: number;
}

function checksFor(budgets: readonly Budget[], configs: readonly string[], runs: readonly RunSample[], baseline: string, rateRps: number | undefined): Check[] {
  const checks: Check[] = [];
  for (const budget of budgets) {
    for (const config of configs.filter((name) => configMatches(budget.config, name))) {
      if (budget.metric === 'errors') {
        const pairs = failurePairs(runs, config, baseline, { rateRps, validOnly: true });
        checks.push({ budget, config, values: pairs.map((p) => p.share - p.baselineShare), nullValue: budget.limit });
        continue;
      }
      if (budget.kind === 'volume') {
        const read = volumeMetrics[budget.metric as VolumeMetric].read;
        const values = runs.filter(isValidRun).filter((run) => run.config === config && (rateRps === undefined || run.offeredRps === rateRps))
          .map(read).filter((v): v is number => v !== undefined);
        checks.push({ budget, config, values, nullValue: budget.limit });
        continue;
      }
      const pairs = pairsFor(runs, config, baseline, budget.metric as MetricName, rateRps);
      checks.push(budget.kind === 'relative'
        ? { budget, config, values: pairs.map((p) => p.logRatio), nullValue: Math.log(1 + budget.limit) }
        : { budget, config, values: pairs.map((p) => p.value - p.baselineValue), nullValue: budget.limit });
    }
  }
  return checks;
}

/**
 * Three-state verdicts for every budget × matching config, with their errors
 * controlled:
 * - each check is two one-sided t tests against the limit (over it → fail,
 *   within it → pass), each direction at VERDICT_ALPHA;
 * - Holm's procedure over all the session's checks, per direction, so the
 *   chance of any false fail (or any false pass) among the overhead budgets is
 *   at most VERDICT_ALPHA, however many there are (growth budgets are their own
 *   family in analysis/soak.ts; money budgets are judged alone in gate/gate.ts);
 * - with rounds: auto, every look after the minimum spends part of that error
 *   (O'Brien–Fleming alpha spending), so looking after each round does not
 *   inflate it; a check decided at a look stays decided.
 * A check with fewer than 2 values is inconclusive.
 */
export function judgeBudgets(
  budgets: readonly Budget[],
  configs: readonly string[],
  runs: readonly RunSample[],
  options: { baseline: string; rateRps?: number; looks: LookSchedule },
): BudgetVerdict[] {
  const final = checksFor(budgets, configs, runs, options.baseline, options.rateRps);
  const decided = new Map<number, { verdict: Verdict; rounds: number; pOver: number; pWithin: number }>();
  const levels = lookLevels(options.looks.rounds, options.looks.maxRounds, VERDICT_ALPHA);
  let lastP: Array<{ pOver: number; pWithin: number }> = final.map(() => ({ pOver: 1, pWithin: 1 }));
  options.looks.rounds.forEach((rounds, look) => {
    const checks = checksFor(budgets, configs, runs.filter((run) => run.round < rounds), options.baseline, options.rateRps);
    const tests = checks.map((check) => tTest(check.values, check.nullValue));
    const pOver = holmAdjusted(tests.map((t) => t?.pAbove ?? 1));
    const pWithin = holmAdjusted(tests.map((t) => t?.pBelow ?? 1));
    lastP = checks.map((_, i) => ({ pOver: pOver[i]!, pWithin: pWithin[i]! }));
    checks.forEach((_, i) => {
      if (decided.has(i)) return;
      const level = levels[look]!;
      if (pOver[i]! <= level) decided.set(i, { verdict: 'fail', rounds, pOver: pOver[i]!, pWithin: pWithin[i]! });
      else if (pWithin[i]! <= level) decided.set(i, { verdict: 'pass', rounds, pOver: pOver[i]!, pWithin: pWithin[i]! });
    });
  });
  return final.map((check, i) => {
    const base = { budget: check.budget, config: check.config, n: check.values.length };
    if (check.values.length < 2) {
      const why = check.budget.kind === 'volume' ? 'no intake counts for this config' : 'fewer than 2 valid pairs';
      return { ...base, verdict: 'inconclusive' as const, note: why };
    }
    const logSpace = check.budget.kind === 'relative';
    const ci = tInterval(check.values);
    const value = mean(check.values);
    const shown = logSpace
      ? { value: Math.exp(value) - 1, ci: { low: Math.exp(ci.low) - 1, high: Math.exp(ci.high) - 1 } }
      : { value, ci };
    const decision = decided.get(i);
    if (decision) {
      return { ...base, ...shown, verdict: decision.verdict, pOver: decision.pOver, pWithin: decision.pWithin, decidedAfterRounds: decision.rounds };
    }
    return { ...base, ...shown, verdict: 'inconclusive' as const, ...lastP[i]!, note: 'the data cannot tell over from within the budget yet: add rounds' };
  });
}
