import { pairsFor } from '../analysis/estimates.js';
import { metricNames, type MetricName } from '../analysis/summary.js';
import { bootstrapDifferenceCI, hull, median, verdictAgainstBudget, welchInterval, type Interval, type Verdict } from '../analysis/stats.js';
import type { ResultDocument } from '../samples/result.js';

export interface Regression {
  config: string;
  metric: MetricName;
  /** Overhead against the baseline in each result (0.25 = +25%). */
  baseOverhead: number;
  headOverhead: number;
  /** Relative change of the overhead ratio, head against base (0.1 = the config got 10% more expensive). */
  change: number;
  changeCI: Interval;
  verdict: Verdict;
  basePairs: number;
  headPairs: number;
}

export interface Comparison {
  warnings: string[];
  regressions: Regression[];
}

/** Differences that make absolute numbers incomparable between two results. */
export function environmentWarnings(base: ResultDocument, head: ResultDocument): string[] {
  const warnings: string[] = [];
  const a = base.environment;
  const b = head.environment;
  if (a.cpuModel !== b.cpuModel || a.cpuCount !== b.cpuCount) warnings.push(`different machines: ${a.cpuCount}× ${a.cpuModel} vs ${b.cpuCount}× ${b.cpuModel}`);
  if (a.nodeVersion !== b.nodeVersion) warnings.push(`different Node versions: ${a.nodeVersion} vs ${b.nodeVersion}`);
  if (a.hostname !== b.hostname) warnings.push(`different hosts: ${a.hostname} vs ${b.hostname}`);
  if (base.scenario.sha256 !== head.scenario.sha256) warnings.push('the scenario file changed between the two results');
  return warnings;
}

/**
 * Regression of head against base, per config present in both. Only same-run
 * ratios are compared (config against its own run's baseline), because
 * absolute numbers do not transfer between machines or sessions.
 */
export function compareResults(base: ResultDocument, head: ResultDocument, maxRegression: number, metrics: readonly MetricName[] = metricNames): Comparison {
  const regressions: Regression[] = [];
  const shared = head.configs.map((c) => c.name).filter((name) => name !== head.scenario.baseline && base.configs.some((c) => c.name === name));
  for (const config of shared) {
    for (const metric of metrics) {
      const a = pairsFor(base.runs, config, base.scenario.baseline, metric).map((p) => p.logRatio);
      const b = pairsFor(head.runs, config, head.scenario.baseline, metric).map((p) => p.logRatio);
      if (!a.length || !b.length) continue;
      const logCI = hull(bootstrapDifferenceCI(a, b, { seed: 11 }), welchInterval(a, b));
      const changeCI = { low: Math.exp(logCI.low) - 1, high: Math.exp(logCI.high) - 1 };
      regressions.push({
        config,
        metric,
        baseOverhead: Math.exp(median(a)) - 1,
        headOverhead: Math.exp(median(b)) - 1,
        change: Math.exp(median(b) - median(a)) - 1,
        changeCI,
        verdict: verdictAgainstBudget(changeCI, maxRegression),
        basePairs: a.length,
        headPairs: b.length,
      });
    }
  }
  return { warnings: environmentWarnings(base, head), regressions };
}
