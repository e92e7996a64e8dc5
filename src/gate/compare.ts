import { pairsFor } from '../analysis/summary.js';
import type { Interval, Verdict } from '../samples/analysis.js';
import { metricNames, type MetricName } from '../samples/metrics.js';
import { VERDICT_ALPHA } from '../analysis/budgets.js';
import { holmAdjusted, mean, tCdf, welchDetectableEffect, welchInterval, welchTest } from '../analysis/stats.js';
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
  /** The change these two sessions would detect with 80% power at 95% confidence (Welch). */
  detectable: number;
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
 * absolute numbers do not transfer between machines or sessions. Welch's test
 * on the per-pair log ratios of the two sessions, one-sided against the limit
 * in each direction, Holm-adjusted over every comparison: the chance of any
 * false regression (or any false all-clear) is at most 2.5%. Two sessions
 * cannot tell a session effect from a regression; each comparison states what
 * it could detect.
 */
export function compareResults(base: ResultDocument, head: ResultDocument, maxRegression: number, metrics: readonly MetricName[] = metricNames): Comparison {
  const rows: Array<{ config: string; metric: MetricName; a: number[]; b: number[] }> = [];
  const shared = head.configs.map((c) => c.name).filter((name) => name !== head.scenario.baseline && base.configs.some((c) => c.name === name));
  for (const config of shared) {
    for (const metric of metrics) {
      const a = pairsFor(base.runs, config, base.scenario.baseline, metric, base.design.ratesRps[0]).map((p) => p.logRatio);
      const b = pairsFor(head.runs, config, head.scenario.baseline, metric, head.design.ratesRps[0]).map((p) => p.logRatio);
      if (a.length && b.length) rows.push({ config, metric, a, b });
    }
  }
  const limit = Math.log(1 + maxRegression);
  const tests = rows.map(({ a, b }) => welchTest(a, b));
  const pOver = holmAdjusted(tests.map((t) => (t && t.se > 0 ? 1 - tCdf((t.difference - limit) / t.se, t.df) : 1)));
  const pWithin = holmAdjusted(tests.map((t) => (t && t.se > 0 ? tCdf((t.difference - limit) / t.se, t.df) : 1)));
  const regressions = rows.map(({ config, metric, a, b }, i): Regression => {
    const logCI: Interval = welchInterval(a, b);
    return {
      config,
      metric,
      baseOverhead: Math.exp(mean(a)) - 1,
      headOverhead: Math.exp(mean(b)) - 1,
      change: Math.exp(mean(b) - mean(a)) - 1,
      changeCI: { low: Math.exp(logCI.low) - 1, high: Math.exp(logCI.high) - 1 },
      verdict: pOver[i]! <= VERDICT_ALPHA ? 'fail' : pWithin[i]! <= VERDICT_ALPHA ? 'pass' : 'inconclusive',
      basePairs: a.length,
      headPairs: b.length,
      detectable: welchDetectableEffect(a, b),
    };
  });
  return { warnings: environmentWarnings(base, head), regressions };
}
