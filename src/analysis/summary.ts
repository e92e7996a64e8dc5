import type { ResultDocument, RunSample } from '../samples/result.js';
import { median, outlierIndices } from './stats.js';

/** The metrics every report shows, read from one run. Lower is better for all of them. */
export const metrics = {
  cpuMsPerRequest: { label: 'CPU ms/req', read: (run: RunSample) => run.cpuMsPerRequest },
  rssMeanBytes: { label: 'RSS', read: (run: RunSample) => run.rssMeanBytes },
  eventLoopUtilization: { label: 'ELU', read: (run: RunSample) => run.eventLoopUtilization },
  latencyP50Us: { label: 'p50 µs', read: (run: RunSample) => run.latencyUs?.p50 },
  latencyP99Us: { label: 'p99 µs', read: (run: RunSample) => run.latencyUs?.p99 },
} as const;

export type MetricName = keyof typeof metrics;
export const metricNames = Object.keys(metrics) as MetricName[];

/** Runs that count: finished, not saturated, agent loaded, few errors. */
export function isValidRun(run: RunSample): boolean {
  return run.status === 'ok' && run.invalidReasons.length === 0;
}

/**
 * For each block where both the config and the baseline ran validly, the two
 * values and ln(config / baseline): pairing within a block cancels the drift
 * between blocks on a noisy machine. Outliers are flagged, never dropped.
 */
export function pairsFor(runs: readonly RunSample[], config: string, baseline: string, metric: MetricName): BlockPair[] {
  const read = metrics[metric].read;
  const byBlock = new Map<number, { value?: number; base?: number }>();
  for (const run of runs) {
    if (!isValidRun(run) || (run.config !== config && run.config !== baseline)) continue;
    const value = read(run);
    if (value === undefined || !Number.isFinite(value) || value <= 0) continue;
    const entry = byBlock.get(run.block) ?? {};
    if (run.config === config) entry.value = value;
    else entry.base = value;
    byBlock.set(run.block, entry);
  }
  const pairs = [...byBlock.entries()]
    .filter(([, e]) => e.value !== undefined && e.base !== undefined)
    .sort(([a], [b]) => a - b)
    .map(([block, e]) => ({ block, value: e.value!, baselineValue: e.base!, logRatio: Math.log(e.value! / e.base!), outlier: false }));
  for (const index of outlierIndices(pairs.map((p) => p.logRatio))) pairs[index]!.outlier = true;
  return pairs;
}


export interface BlockPair {
  block: number;
  value: number;
  baselineValue: number;
  logRatio: number;
  outlier: boolean;
}

export interface ConfigSummary {
  config: string;
  runs: number;
  validRuns: number;
  saturatedRuns: number;
  failedRuns: number;
  invalidReasons: string[];
  medians: Partial<Record<MetricName, number>>;
  /** The paired estimate's overhead (median per-block log-ratio, as a fraction: 0.25 = +25%). */
  changeVsBaseline: Partial<Record<MetricName, number>>;
  achievedRpsMedian?: number;
  offeredRps: number;
  spansPerRequest?: number;
  errorEventsPerRequest?: number;
  bytesPerRequest?: number;
  /** Prometheus: series in the latest scrape, and bytes per scrape. */
  series?: number;
  bytesPerScrape?: number;
  maxThroughputRps?: number;
}

export function summarise(result: ResultDocument): ConfigSummary[] {
  const baseline = result.scenario.baseline;
  return result.configs.map(({ name }) => {
    const runs = result.runs.filter((run) => run.config === name);
    const valid = runs.filter(isValidRun);
    const medians: ConfigSummary['medians'] = {};
    const changeVsBaseline: ConfigSummary['changeVsBaseline'] = {};
    for (const metric of metricNames) {
      const values = valid.map(metrics[metric].read).filter((value): value is number => value !== undefined);
      if (values.length) medians[metric] = median(values);
      if (name !== baseline) {
        // The same block pairs as the analysis, so the table and the CIs never disagree.
        const logRatios = pairsFor(result.runs, name, baseline, metric).map((pair) => pair.logRatio);
        if (logRatios.length) changeVsBaseline[metric] = Math.exp(median(logRatios)) - 1;
      }
    }
    const intakeRuns = valid.filter((run) => run.intake);
    const maxRuns = valid.map((run) => run.maxThroughputRps).filter((v): v is number => v !== undefined);
    return {
      config: name,
      runs: runs.length,
      validRuns: valid.length,
      saturatedRuns: runs.filter((run) => run.saturated).length,
      failedRuns: runs.filter((run) => run.status === 'failed').length,
      invalidReasons: [...new Set(runs.flatMap((run) => run.invalidReasons))],
      medians,
      changeVsBaseline,
      achievedRpsMedian: valid.length ? median(valid.map((run) => run.achievedRps ?? 0)) : undefined,
      offeredRps: result.scenario.workload.rate as number,
      ...telemetry(intakeRuns),
      maxThroughputRps: maxRuns.length ? median(maxRuns) : undefined,
    };
  });
}

/** Medians of what the intakes counted, in the unit that matters for each kind of agent. */
function telemetry(runs: RunSample[]): Partial<ConfigSummary> {
  if (runs.length === 0) return {};
  const medianOf = (read: (run: RunSample) => number | undefined) => {
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
