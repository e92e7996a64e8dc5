import type { Calibration, MeasuredRun, NeighbourShift, ResultDocument, SpreadCovariate } from '../samples/result.js';
import { isValidRun } from '../samples/runs.js';
import { metricNames } from '../samples/metrics.js';
import { pairsFor, primaryRate } from './summary.js';
import { mean, minimumDetectableEffect, pairsToDetect, welchInterval } from './stats.js';

/** The name of the baseline's identical twin in a calibration session. */
export const AA_NAME = 'aa-baseline';
/** `calibrate --neighbour`: the twin of a config, measured while the synthetic neighbour runs. */
export const neighbourTwin = (config: string): string => `${config} (neighbour)`;

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

/** The mean of the values that are there, or undefined when none is. */
function meanOfPresent(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? mean(present) : undefined;
}

/**
 * Pure: how far each config's overhead moved under the synthetic neighbour: its pairs beside the baseline with the
 * neighbour off (`config`) against those with it on (`neighbourTwin(config)`), rounds interleaved in one session. The
 * shift is the ratio of the two geometric means, less 1, with its 95% Welch interval (independent pairs).
 */
export function neighbourShifts(result: Pick<ResultDocument, 'runs' | 'scenario' | 'design'>, configs: readonly string[]): NeighbourShift[] {
  const rate = primaryRate(result);
  const baseline = result.scenario.baseline;
  const valid = result.runs.filter(isValidRun).filter((run) => run.offeredRps === rate);
  const side = (config: string) => {
    const logRatios = pairsFor(result.runs, config, baseline, 'cpuMsPerRequest', rate).map((p) => p.logRatio);
    const { mean: m, sd } = logRatios.length >= 2 ? spread(logRatios) : { mean: Number.NaN, sd: Number.NaN };
    // Other processes on the target CPU over the pair's windows: the neighbour's own reach, as measured.
    const others = meanOfPresent(valid.filter((run) => run.config === config).map((run) => run.noise.neighbourCpuPercent));
    return { logRatios, summary: { pairs: logRatios.length, overhead: Math.exp(m) - 1, logRatioSD: sd, ...(others !== undefined ? { otherCpuPercent: others } : {}) } };
  };
  return configs.flatMap((config) => {
    const quiet = side(config);
    const busy = side(neighbourTwin(config));
    if (quiet.logRatios.length < 2 || busy.logRatios.length < 2) return [];
    const interval = welchInterval(quiet.logRatios, busy.logRatios);
    return [{
      config, quiet: quiet.summary, busy: busy.summary,
      shift: Math.exp(mean(busy.logRatios) - mean(quiet.logRatios)) - 1, shiftLow: Math.exp(interval.low) - 1, shiftHigh: Math.exp(interval.high) - 1,
    }];
  });
}
