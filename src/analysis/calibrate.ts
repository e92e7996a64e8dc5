import type { Calibration, ResultDocument } from '../samples/result.js';
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
    }];
  });
  return { design: result.design.kind, pairs, metrics, ...(agents.length ? { agents: spreads } : {}) };
}
