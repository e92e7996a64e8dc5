import { isValidRun, exclusionReasons, type MeasuredRun, type ResultDocument, type RunSample } from '../samples/result.js';
import type { PairValue } from '../samples/analysis.js';
import { metricNames, metrics, type MetricName } from '../samples/metrics.js';
import { mean, median, outlierIndices } from './stats.js';

export { isValidRun };
export type { PairValue };

/** The primary offered rate of a result: the tables and estimates are at this rate. */
export function primaryRate(result: Pick<ResultDocument, 'design'>): number {
  return result.design.ratesRps[0]!;
}

/**
 * For each pair where both the config and the baseline ran validly (at one
 * rate), the two values and ln(config / baseline). Co-scheduled, a pair is the
 * two targets that ran side by side; sequential, the baseline run of the same
 * block. Outliers are flagged, never dropped.
 */
export function pairsFor(runs: readonly RunSample[], config: string, baseline: string, metric: MetricName, rateRps?: number): PairValue[] {
  const read = metrics[metric].read;
  const byPair = new Map<number, { round: number; value?: number; base?: number }>();
  for (const run of runs) {
    if (!isValidRun(run) || (run.config !== config && run.config !== baseline)) continue;
    if (rateRps !== undefined && run.offeredRps !== rateRps) continue;
    const value = read(run);
    if (!Number.isFinite(value) || value <= 0) continue;
    const entry = byPair.get(run.pair) ?? { round: run.round };
    if (run.config === config) entry.value = value;
    else entry.base = value;
    byPair.set(run.pair, entry);
  }
  const pairs = [...byPair.entries()]
    .filter(([, e]) => e.value !== undefined && e.base !== undefined)
    .sort(([a], [b]) => a - b)
    .map(([pair, e]) => ({ pair, round: e.round, value: e.value!, baselineValue: e.base!, logRatio: Math.log(e.value! / e.base!), outlier: false }));
  for (const index of outlierIndices(pairs.map((p) => p.logRatio))) pairs[index]!.outlier = true;
  return pairs;
}

export interface ConfigSummary {
  config: string;
  /** Runs of this config at the primary rate. */
  runs: number;
  validRuns: number;
  failedRuns: number;
  /** Distinct reasons its runs were left out. */
  exclusionReasons: string[];
  medians: Partial<Record<MetricName, number>>;
  /** The paired estimate's overhead (geometric mean of the per-pair ratios, as a fraction: 0.25 = +25%). */
  changeVsBaseline: Partial<Record<MetricName, number>>;
  /**
   * Geometric means over the same pairs as the change, of this config's values and of the baselines beside them: their
   * ratio is exactly 1 + the change, so "a vs b (+x%)" never sets a ratio of medians beside a geometric mean.
   */
  pairedGeometricMeans: Partial<Record<MetricName, { value: number; baseline: number }>>;
  achievedRpsMedian?: number;
  offeredRps: number;
  spansPerRequest?: number;
  errorEventsPerRequest?: number;
  bytesPerRequest?: number;
  /** Prometheus: series in the latest scrape, and bytes per scrape. */
  series?: number;
  bytesPerScrape?: number;
  /** What the app logged per request (its LOG_FILE), with any agent's log injection in it. */
  logBytesPerRequest?: number;
  maxThroughputRps?: number;
}

/** One row per config at the primary rate: medians of valid runs and the paired change against the baseline. */
export function summarise(result: ResultDocument): ConfigSummary[] {
  const baseline = result.scenario.baseline;
  const rate = primaryRate(result);
  return result.configs.map(({ name }) => {
    const runs = result.runs.filter((run) => run.config === name && run.offeredRps === rate);
    const valid = runs.filter(isValidRun);
    const medians: ConfigSummary['medians'] = {};
    const changeVsBaseline: ConfigSummary['changeVsBaseline'] = {};
    const pairedGeometricMeans: ConfigSummary['pairedGeometricMeans'] = {};
    for (const metric of metricNames) {
      const values = valid.map(metrics[metric].read).filter((value) => Number.isFinite(value));
      if (values.length) medians[metric] = median(values);
      if (name !== baseline) {
        // The same pairs as the analysis, so the table and the CIs never disagree.
        const pairs = pairsFor(result.runs, name, baseline, metric, rate);
        if (pairs.length) {
          changeVsBaseline[metric] = Math.exp(mean(pairs.map((pair) => pair.logRatio))) - 1;
          const geometric = (values: number[]) => Math.exp(mean(values.map(Math.log)));
          pairedGeometricMeans[metric] = { value: geometric(pairs.map((pair) => pair.value)), baseline: geometric(pairs.map((pair) => pair.baselineValue)) };
        }
      }
    }
    const maxRuns = valid.map((run) => run.maxThroughputRps).filter((v): v is number => v !== undefined);
    return {
      config: name,
      runs: runs.length,
      validRuns: valid.length,
      failedRuns: runs.filter((run) => run.status === 'failed').length,
      exclusionReasons: [...new Set(runs.filter((run) => !isValidRun(run)).flatMap(exclusionReasons))],
      medians,
      changeVsBaseline,
      pairedGeometricMeans,
      achievedRpsMedian: valid.length ? median(valid.map((run) => run.achievedRps)) : undefined,
      offeredRps: rate,
      ...telemetry(valid.filter((run) => run.intake)),
      ...(valid.some((run) => run.logs) ? { logBytesPerRequest: median(valid.flatMap((run) => (run.logs ? [run.logs.bytesPerRequest] : []))) } : {}),
      maxThroughputRps: maxRuns.length ? median(maxRuns) : undefined,
    };
  });
}

/** Medians of what the intakes counted, in the unit that matters for each kind of agent. */
function telemetry(runs: MeasuredRun[]): Partial<ConfigSummary> {
  if (runs.length === 0) return {};
  const medianOf = (read: (run: MeasuredRun) => number | undefined) => {
    const values = runs.map(read).filter((value): value is number => value !== undefined);
    return values.length ? median(values) : undefined;
  };
  const scrapes = medianOf((run) => run.intake!.items.scrapes);
  if (scrapes !== undefined) {
    return {
      series: medianOf((run) => run.intake!.items.series),
      bytesPerScrape: medianOf((run) => (run.intake!.items.scrapes ? run.intake!.payloadBytes / run.intake!.items.scrapes : undefined)),
      bytesPerRequest: medianOf((run) => run.intake!.bytesPerRequest),
    };
  }
  return {
    spansPerRequest: medianOf((run) => run.intake!.perRequest.spans ?? 0),
    errorEventsPerRequest: medianOf((run) => run.intake!.perRequest.errorEvents),
    bytesPerRequest: medianOf((run) => run.intake!.bytesPerRequest),
  };
}
