import { exclusionReasons, type ResultDocument, type RunSample } from '../samples/result.js';
import type { Estimate, Exclusions, LineFit, RateModel, SampleRateModel } from '../samples/analysis.js';
import { metricNames, type MetricName } from '../samples/metrics.js';
import { isValidRun, pairsFor, primaryRate } from './summary.js';
import { fitLine, mean, tInterval, tTest } from './stats.js';

/** The paired estimate of one config against the baseline; its significance is unadjusted until `analyse` adjusts it. */
export function estimate(runs: readonly RunSample[], config: string, baseline: string, metric: MetricName, rateRps?: number): Estimate | undefined {
  const perPair = pairsFor(runs, config, baseline, metric, rateRps);
  if (perPair.length === 0) return undefined;
  const logRatios = perPair.map((p) => p.logRatio);
  const deltas = perPair.map((p) => p.value - p.baselineValue);
  const logCI = tInterval(logRatios);
  const test = tTest(logRatios);
  const pValue = test?.pTwoSided ?? 1;
  const meanLog = mean(logRatios);
  return {
    config,
    baseline,
    metric,
    ...(rateRps !== undefined ? { rateRps } : {}),
    pairs: perPair.length,
    overhead: Math.exp(meanLog) - 1,
    overheadCI: { low: Math.exp(logCI.low) - 1, high: Math.exp(logCI.high) - 1 },
    delta: mean(deltas),
    deltaCI: tInterval(deltas),
    pValue,
    significance: pValue <= 0.05 ? (meanLog > 0 ? 'significant overhead' : 'significant improvement') : 'no significant difference',
    perPair,
  };
}

/** Every non-baseline config × every metric, at the primary rate (or the given one). */
export function estimateAll(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, rateRps = primaryRate(result)): Estimate[] {
  const baseline = result.scenario.baseline;
  const estimates: Estimate[] = [];
  for (const { name } of result.configs) {
    if (name === baseline) continue;
    for (const metric of metricNames) {
      const found = estimate(result.runs, name, baseline, metric, rateRps);
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
    for (const reason of exclusionReasons(run)) {
      const key = reason.split(':')[0]!;
      entry.reasons[key] = (entry.reasons[key] ?? 0) + 1;
    }
    byConfig.set(run.config, entry);
  }
  return [...byConfig.values()];
}

const rateOptions = ['sampleRate', 'tracesSampleRate', 'ratio'];

/**
 * For a vendor measured at several sample rates: CPU ms/request overhead =
 * fixed + slope × rate, by least squares over every valid pair's delta (at the
 * primary offered rate), so users can predict sample rates they did not run.
 */
export function sampleRateModels(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>): SampleRateModel[] {
  const baseline = result.scenario.baseline;
  const byKind = new Map<string, Array<{ name: string; option: string; rate: number }>>();
  for (const config of result.configs) {
    if (config.sampleRate === undefined || config.name === baseline || typeof config.options.ladder === 'string') continue;
    const option = rateOptions.find((key) => key in config.options) ?? 'sampleRate';
    const list = byKind.get(config.kind) ?? [];
    list.push({ name: config.name, option, rate: config.sampleRate });
    byKind.set(config.kind, list);
  }
  const models: SampleRateModel[] = [];
  for (const [kind, configs] of byKind) {
    if (new Set(configs.map((c) => c.rate)).size < 2) continue;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const config of configs) {
      for (const pair of pairsFor(result.runs, config.name, baseline, 'cpuMsPerRequest', primaryRate(result))) {
        xs.push(config.rate);
        ys.push(pair.value - pair.baselineValue);
      }
    }
    if (xs.length < 3) continue;
    models.push({ kind, option: configs[0]!.option, metric: 'cpuMsPerRequest', configs: configs.map((c) => c.name), fit: fitLine(xs, ys) });
  }
  return models;
}

/**
 * CPU per second against the offered rate, for a session with several rates:
 * cpu ms/s = fixed ms/s + marginal ms/request × req/s. `fit` over the config's
 * own runs; `overhead` over the per-pair differences from the baseline, so the
 * agent's fixed cost (flush timers, runtime metrics, scrapes) and its cost per
 * request are told apart, each with a standard error.
 */
export function rateModels(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>): RateModel[] {
  const rates = result.design.ratesRps;
  if (new Set(rates).size < 2) return [];
  const baseline = result.scenario.baseline;
  const models: RateModel[] = [];
  for (const { name } of result.configs) {
    const own = result.runs.filter((run) => run.config === name).filter(isValidRun);
    if (own.length < 3 || new Set(own.map((run) => run.offeredRps)).size < 2) continue;
    const fit = fitLine(own.map((run) => run.offeredRps), own.map((run) => run.cpuMsPerSecond));
    let overhead: LineFit | undefined;
    if (name !== baseline) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const rate of rates) {
        const byPair = new Map<number, { c?: number; b?: number }>();
        for (const run of result.runs) {
          if (!isValidRun(run) || run.offeredRps !== rate || (run.config !== name && run.config !== baseline)) continue;
          const entry = byPair.get(run.pair) ?? {};
          if (run.config === name) entry.c = run.cpuMsPerSecond; else entry.b = run.cpuMsPerSecond;
          byPair.set(run.pair, entry);
        }
        for (const entry of byPair.values()) {
          if (entry.c === undefined || entry.b === undefined) continue;
          xs.push(rate);
          ys.push(entry.c - entry.b);
        }
      }
      if (xs.length >= 3 && new Set(xs).size >= 2) overhead = fitLine(xs, ys);
    }
    models.push({ config: name, ratesRps: [...new Set(own.map((run) => run.offeredRps))].sort((a, b) => a - b), fit, ...(overhead ? { overhead } : {}) });
  }
  return models;
}
