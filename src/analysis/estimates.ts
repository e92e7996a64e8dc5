import type { ResultDocument, RunSample } from '../samples/result.js';
export { pairsFor, type BlockPair } from './summary.js';
import { isValidRun, metricNames, pairsFor, type BlockPair, type MetricName } from './summary.js';
import {
  bootstrapCI, fitLine, hull, median, tInterval, pairedPermutationPValue, significance,
  type Interval, type LineFit, type Significance,
} from './stats.js';

/** One config against the baseline on one metric, over the blocks where both ran validly. */
export interface Estimate {
  config: string;
  baseline: string;
  metric: MetricName;
  pairs: number;
  /** Median config/baseline ratio − 1 (0.25 = +25%), and its 95% CI (hull of the bootstrap and t intervals). */
  overhead: number;
  overheadCI: Interval;
  /** Median per-block difference in the metric's own unit (ms, bytes, µs…), and its CI. */
  delta: number;
  deltaCI: Interval;
  /** Two-sided paired sign-flip permutation test on the log-ratios. */
  pValue: number;
  significance: Significance;
  perBlock: BlockPair[];
}

export interface Exclusions {
  config: string;
  excludedRuns: number;
  reasons: Record<string, number>;
}

const confidence = 0.95;

/** Stable seed per (config, metric), so re-rendering a result gives the same intervals. */
function seedFor(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

export function estimate(runs: readonly RunSample[], config: string, baseline: string, metric: MetricName): Estimate | undefined {
  const perBlock = pairsFor(runs, config, baseline, metric);
  if (perBlock.length === 0) return undefined;
  const logRatios = perBlock.map((p) => p.logRatio);
  const deltas = perBlock.map((p) => p.value - p.baselineValue);
  const seed = seedFor(`${config}|${baseline}|${metric}`);
  const logCI = hull(bootstrapCI(logRatios, { confidence, seed }), tInterval(logRatios));
  const overheadCI = { low: Math.exp(logCI.low) - 1, high: Math.exp(logCI.high) - 1 };
  return {
    config,
    baseline,
    metric,
    pairs: perBlock.length,
    overhead: Math.exp(median(logRatios)) - 1,
    overheadCI,
    delta: median(deltas),
    deltaCI: hull(bootstrapCI(deltas, { confidence, seed: seed + 1 }), tInterval(deltas)),
    pValue: pairedPermutationPValue(logRatios, { seed }),
    significance: significance(overheadCI),
    perBlock,
  };
}

/** Every non-baseline config × every metric. */
export function estimateAll(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario'>, baseline = result.scenario.baseline): Estimate[] {
  const estimates: Estimate[] = [];
  for (const { name } of result.configs) {
    if (name === baseline) continue;
    for (const metric of metricNames) {
      const found = estimate(result.runs, name, baseline, metric);
      if (found) estimates.push(found);
    }
  }
  return estimates;
}

/** Runs left out of the estimates, per config, counted by reason. */
export function exclusions(runs: readonly RunSample[]): Exclusions[] {
  const byConfig = new Map<string, Exclusions>();
  for (const run of runs) {
    if (isValidRun(run)) continue;
    const entry = byConfig.get(run.config) ?? { config: run.config, excludedRuns: 0, reasons: {} };
    entry.excludedRuns += 1;
    for (const reason of run.invalidReasons.length ? run.invalidReasons : [run.status]) {
      const key = reason.split(':')[0]!;
      entry.reasons[key] = (entry.reasons[key] ?? 0) + 1;
    }
    byConfig.set(run.config, entry);
  }
  return [...byConfig.values()];
}

export interface SampleRateModel {
  kind: string;
  /** The option that was swept (sampleRate, tracesSampleRate, ratio). */
  option: string;
  metric: 'cpuMsPerRequest';
  configs: string[];
  fit: LineFit;
}

const rateOptions = ['sampleRate', 'tracesSampleRate', 'ratio'];

/**
 * For a vendor measured at several sample rates: CPU ms/request overhead =
 * fixed + slope × rate, by least squares over every valid block's delta, so
 * users can predict rates they did not run.
 */
export function sampleRateModels(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario'>): SampleRateModel[] {
  const baseline = result.scenario.baseline;
  const byKind = new Map<string, Array<{ name: string; option: string; rate: number }>>();
  for (const config of result.configs) {
    const option = rateOptions.find((key) => typeof config.options[key] === 'number');
    if (!option || config.name === baseline) continue;
    const list = byKind.get(config.kind) ?? [];
    list.push({ name: config.name, option, rate: config.options[option] as number });
    byKind.set(config.kind, list);
  }
  const models: SampleRateModel[] = [];
  for (const [kind, configs] of byKind) {
    if (new Set(configs.map((c) => c.rate)).size < 2) continue;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const config of configs) {
      for (const pair of pairsFor(result.runs, config.name, baseline, 'cpuMsPerRequest')) {
        xs.push(config.rate);
        ys.push(pair.value - pair.baselineValue);
      }
    }
    if (xs.length < 3) continue;
    models.push({ kind, option: configs[0]!.option, metric: 'cpuMsPerRequest', configs: configs.map((c) => c.name), fit: fitLine(xs, ys) });
  }
  return models;
}
