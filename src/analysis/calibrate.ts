import type { Calibration, MeasuredRun, ResultDocument, SpreadCovariate } from '../samples/result.js';
import { isValidRun } from '../samples/runs.js';
import { metricNames } from '../samples/metrics.js';
import { pairsFor, primaryRate } from './summary.js';
import { minimumDetectableEffect, pairsToDetect } from './stats.js';

/** The name of the baseline's identical twin in a calibration session. */
export const AA_NAME = 'aa-baseline';
/** Rounds the noise floor is shown for. */
export const ROUNDS_SHOWN = [3, 5, 10, 20, 30];

function spread(logRatios: readonly number[]): { mean: number; sd: number } {
  const mean = logRatios.reduce((s, x) => s + x, 0) / logRatios.length;
  return { mean, sd: Math.sqrt(logRatios.reduce((s, x) => s + (x - mean) ** 2, 0) / (logRatios.length - 1)) };
}

/**
 * Pure: the noise floor from an A/A session (the baseline beside its own twin), and, for each real agent measured in
 * the same session (`agents`), its own spread: what the rounds of a session with it can resolve.
 */
export function calibrate(result: Pick<ResultDocument, 'runs' | 'scenario' | 'design'>, agents: readonly string[] = []): Calibration {
  const metrics: Calibration['metrics'] = {};
  let pairs = 0;
  for (const metric of metricNames) {
    const logRatios = pairsFor(result.runs, AA_NAME, result.scenario.baseline, metric, primaryRate(result)).map((p) => p.logRatio);
    if (logRatios.length < 2) continue;
    pairs = Math.max(pairs, logRatios.length);
    const { sd } = spread(logRatios);
    metrics[metric] = {
      logRatioSD: sd,
      minimumDetectableEffect: Object.fromEntries(ROUNDS_SHOWN.map((n) => [String(n), minimumDetectableEffect(sd, n)])),
    };
  }
  const spreads = agents.flatMap((config) => {
    const logRatios = pairsFor(result.runs, config, result.scenario.baseline, 'cpuMsPerRequest', primaryRate(result)).map((p) => p.logRatio);
    if (logRatios.length < 2) return [];
    const { mean, sd } = spread(logRatios);
    const rounds = pairsToDetect(sd, 0.05);
    return [{
      config, pairs: logRatios.length, logRatioSD: sd, overhead: Math.exp(mean) - 1,
      minimumDetectableEffect: Object.fromEntries(ROUNDS_SHOWN.map((n) => [String(n), minimumDetectableEffect(sd, n)])),
      ...(rounds !== undefined ? { roundsFor5Percent: rounds } : {}),
      ...explainedOrNothing(result.runs, config, result.scenario.baseline, primaryRate(result)),
    }];
  });
  return { design: result.design.kind, pairs, metrics, ...(agents.length ? { agents: spreads } : {}) };
}

/** How each covariate is read from a pair: its candidate run and the baseline beside it. */
const covariates: Record<SpreadCovariate, (candidate: MeasuredRun, baseline: MeasuredRun) => number | undefined> = {
  baselineCpu: (_, b) => Math.log(b.cpuMsPerRequest),
  payloads: (c) => c.intake?.payloads,
  harnessCpu: (c) => c.noise.harnessCpuPercent,
  sendLag: (c) => c.load.sendLagUs.p99,
  neighbourCpu: (c) => c.noise.neighbourCpuPercent,
};

/** Squared Pearson correlation, or undefined when either side does not vary. */
export function rSquared(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  // Relative to the values' scale: a covariate constant but for rounding (payloads 2.17 every window) explains nothing.
  if (sxx <= 1e-12 * Math.max(1, mx * mx) * n || syy <= 0) return undefined;
  return (sxy * sxy) / (sxx * syy);
}

/**
 * Pure: the share of a config's per-pair log CPU ratio variance each covariate explains alone, over its valid pairs at
 * a rate. Four pairs at least: with fewer, r² is mostly chance.
 */
export function explainedSpread(runs: ResultDocument['runs'], config: string, baseline: string, rateRps: number): Partial<Record<SpreadCovariate, number>> {
  // The analysis's own pairs, then each side's run for its covariates.
  const pairs = pairsFor(runs, config, baseline, 'cpuMsPerRequest', rateRps);
  if (pairs.length < 4) return {};
  const runOf = new Map(runs.filter(isValidRun).filter((run) => run.offeredRps === rateRps).map((run) => [`${run.pair} ${run.config}`, run]));
  const sides = pairs.map((p) => ({ c: runOf.get(`${p.pair} ${config}`)!, b: runOf.get(`${p.pair} ${baseline}`)! }));
  const y = pairs.map((p) => p.logRatio);
  const out: Partial<Record<SpreadCovariate, number>> = {};
  for (const [name, read] of Object.entries(covariates) as Array<[SpreadCovariate, (typeof covariates)[SpreadCovariate]]>) {
    const x = sides.map((p) => read(p.c, p.b));
    if (x.some((v) => v === undefined || !Number.isFinite(v))) continue;
    const r2 = rSquared(x as number[], y);
    if (r2 !== undefined) out[name] = r2;
  }
  return out;
}

function explainedOrNothing(runs: ResultDocument['runs'], config: string, baseline: string, rateRps: number) {
  const explained = explainedSpread(runs, config, baseline, rateRps);
  return Object.keys(explained).length ? { explained } : {};
}
