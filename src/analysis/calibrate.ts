import type { Calibration, ResultDocument } from '../samples/result.js';
import { metricNames } from '../samples/metrics.js';
import { pairsFor, primaryRate } from './summary.js';
import { minimumDetectableEffect } from './stats.js';

/** The name of the baseline's identical twin in a calibration session. */
export const AA_NAME = 'aa-baseline';
/** Rounds the noise floor is shown for. */
export const ROUNDS_SHOWN = [3, 5, 10, 20, 30];

/** Pure: the noise floor from an A/A session (the baseline beside its own twin). */
export function calibrate(result: Pick<ResultDocument, 'runs' | 'scenario' | 'design'>): Calibration {
  const metrics: Calibration['metrics'] = {};
  let pairs = 0;
  for (const metric of metricNames) {
    const logRatios = pairsFor(result.runs, AA_NAME, result.scenario.baseline, metric, primaryRate(result)).map((p) => p.logRatio);
    if (logRatios.length < 2) continue;
    pairs = Math.max(pairs, logRatios.length);
    const mean = logRatios.reduce((s, x) => s + x, 0) / logRatios.length;
    const sd = Math.sqrt(logRatios.reduce((s, x) => s + (x - mean) ** 2, 0) / (logRatios.length - 1));
    metrics[metric] = {
      logRatioSD: sd,
      minimumDetectableEffect: Object.fromEntries(ROUNDS_SHOWN.map((n) => [String(n), minimumDetectableEffect(sd, n)])),
    };
  }
  return { design: result.design.kind, pairs, metrics };
}
