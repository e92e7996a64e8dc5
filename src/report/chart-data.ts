import * as hdr from 'hdr-histogram-js';
import type { Analysis } from '../analysis/analyse.js';
import { isValidRun, primaryRate, type ConfigSummary } from '../analysis/summary.js';
import type { ConfigCost, ConfigMeasure } from '../cost/project.js';
import type { ResultDocument } from '../samples/result.js';

/** Plain rows for each chart, derived from a result; pure, so each chart's numbers can be tested. */

export interface OverheadRow { config: string; overheadPct: number; lowPct: number; highPct: number; significance: string }

/** CPU/request overhead per config with its 95% CI, in percent. */
export function cpuOverheadRows(analysis: Analysis): OverheadRow[] {
  return analysis.estimates
    .filter((e) => e.metric === 'cpuMsPerRequest')
    .map((e) => ({ config: e.config, overheadPct: e.overhead * 100, lowPct: e.overheadCI.low * 100, highPct: e.overheadCI.high * 100, significance: e.significance }));
}

export interface LatencyPoint { config: string; percentile: number; /** 1 / (1 − percentile/100): the HDR plot's x axis. */ inverseTail: number; latencyUs: number }

/**
 * HDR-style percentile curves: every valid run's histogram of a config pooled,
 * read at percentiles spaced evenly in "nines" up to what the sample size supports.
 */
export function latencyCurves(result: Pick<ResultDocument, 'runs' | 'configs' | 'design'>, stepsPerNine = 20): LatencyPoint[] {
  const points: LatencyPoint[] = [];
  for (const { name } of result.configs) {
    const encoded = result.runs.filter(isValidRun)
      .filter((r) => r.config === name && r.offeredRps === primaryRate(result) && r.latencyUs.histogram)
      .map((r) => r.latencyUs.histogram);
    if (!encoded.length) continue;
    const pooled = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (const text of encoded) {
      const run = hdr.decodeFromCompressedBase64(text, 32, false);
      pooled.add(run);
      run.destroy();
    }
    // Beyond log10(count) nines a percentile is just the maximum: stop there.
    const maxNines = Math.max(1, Math.log10(pooled.totalCount));
    const tails = new Set<number>();
    for (let step = 0; step <= Math.floor(maxNines * stepsPerNine + 1e-9); step += 1) tails.add(10 ** (-step / stepsPerNine));
    // The percentiles people quote are always on the curve exactly.
    for (const tail of [0.5, 0.1, 0.01, 0.001, 0.0001]) if (tail >= 10 ** -maxNines - 1e-12) tails.add(tail);
    for (const tail of [...tails].sort((a, b) => b - a)) {
      const percentile = 100 * (1 - tail);
      points.push({ config: name, percentile, inverseTail: 1 / tail, latencyUs: pooled.getValueAtPercentile(percentile) });
    }
    pooled.destroy();
  }
  return points;
}

export interface SampleRatePoint { kind: string; config: string; rate: number; cpuDeltaMs: number }
export interface SampleRateLine { kind: string; rate: number; cpuDeltaMs: number }

/** Per-pair CPU deltas against sample rate, and the fitted line over [0, 1], per swept vendor. */
export function sampleRateData(result: Pick<ResultDocument, 'configs'>, analysis: Analysis): { points: SampleRatePoint[]; lines: SampleRateLine[] } {
  const points: SampleRatePoint[] = [];
  const lines: SampleRateLine[] = [];
  for (const model of analysis.sampleRateModels) {
    for (const name of model.configs) {
      const rate = result.configs.find((c) => c.name === name)?.sampleRate;
      const estimate = analysis.estimates.find((e) => e.config === name && e.metric === 'cpuMsPerRequest');
      if (typeof rate !== 'number' || !estimate) continue;
      for (const pair of estimate.perPair) points.push({ kind: model.kind, config: name, rate, cpuDeltaMs: pair.value - pair.baselineValue });
    }
    for (const rate of [0, 1]) lines.push({ kind: model.kind, rate, cpuDeltaMs: model.fit.intercept + model.fit.slope * rate });
  }
  return { points, lines };
}

export interface RssRow { config: string; rssMB: number; deltaMB?: number; deltaLowMB?: number; deltaHighMB?: number }

/** Median RSS per config, and the paired RSS delta with its CI. */
export function rssRows(summaries: ConfigSummary[], analysis: Analysis): RssRow[] {
  const MB = 1024 * 1024;
  return summaries.filter((s) => s.medians.rssMeanBytes !== undefined).map((s) => {
    const e = analysis.estimates.find((x) => x.config === s.config && x.metric === 'rssMeanBytes');
    return {
      config: s.config,
      rssMB: s.medians.rssMeanBytes! / MB,
      ...(e ? { deltaMB: e.delta / MB, deltaLowMB: e.deltaCI.low / MB, deltaHighMB: e.deltaCI.high / MB } : {}),
    };
  });
}

export interface TelemetryRow { config: string; measure: 'spans per request' | 'KB per request'; value: number }

/** What the intakes counted per request: spans and bytes on the wire. */
export function telemetryRows(measures: ConfigMeasure[]): TelemetryRow[] {
  return measures.flatMap((m) => [
    ...(m.spansPerRequest !== undefined ? [{ config: m.config, measure: 'spans per request' as const, value: m.spansPerRequest }] : []),
    ...(m.bytesPerRequest !== undefined ? [{ config: m.config, measure: 'KB per request' as const, value: m.bytesPerRequest / 1024 }] : []),
  ]);
}

export interface CostRow { config: string; part: 'extra compute' | 'extra memory' | 'vendor bill'; usd: number; order: number }
export interface CostRange { config: string; totalUsd: number; lowUsd: number; highUsd: number }

/** The monthly bill per config, stacked: infrastructure delta vs vendor bill, with the CI-driven range. */
export function costRows(costs: ConfigCost[]): { stack: CostRow[]; ranges: CostRange[] } {
  const stack = costs.flatMap((c) => [
    { config: c.config, part: 'extra compute' as const, usd: c.infrastructure[0]?.usd ?? 0, order: 0 },
    { config: c.config, part: 'extra memory' as const, usd: c.infrastructure[1]?.usd ?? 0, order: 1 },
    { config: c.config, part: 'vendor bill' as const, usd: c.vendor.reduce((s, l) => s + l.usd, 0), order: 2 },
  ]);
  return { stack, ranges: costs.map((c) => ({ config: c.config, totalUsd: c.totalUsd, lowUsd: c.lowUsd, highUsd: c.highUsd })) };
}
