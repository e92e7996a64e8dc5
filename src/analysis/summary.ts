import type { ResultDocument, RunSample } from '../samples/result.js';

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

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs that count: finished, not saturated, agent loaded, few errors. */
export function isValidRun(run: RunSample): boolean {
  return run.status === 'ok' && run.invalidReasons.length === 0;
}

/**
 * For each block where both the config and the baseline have a valid run,
 * the config's value divided by the baseline's: the pairing cancels drift
 * between blocks on a noisy machine.
 */
export function pairedRatios(runs: readonly RunSample[], config: string, baseline: string, metric: MetricName): number[] {
  const read = metrics[metric].read;
  const byBlock = new Map<number, { config?: number; baseline?: number }>();
  for (const run of runs) {
    if (!isValidRun(run)) continue;
    const value = read(run);
    if (value === undefined || !Number.isFinite(value)) continue;
    const entry = byBlock.get(run.block) ?? {};
    if (run.config === config) entry.config = value;
    if (run.config === baseline) entry.baseline = value;
    byBlock.set(run.block, entry);
  }
  const ratios: number[] = [];
  for (const { config: value, baseline: base } of byBlock.values()) {
    if (value !== undefined && base !== undefined && base > 0) ratios.push(value / base);
  }
  return ratios;
}

export interface ConfigSummary {
  config: string;
  runs: number;
  validRuns: number;
  saturatedRuns: number;
  failedRuns: number;
  invalidReasons: string[];
  medians: Partial<Record<MetricName, number>>;
  /** Median over blocks of config/baseline, as a fraction (0.25 = +25%). */
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
        const ratios = pairedRatios(result.runs, name, baseline, metric);
        if (ratios.length) changeVsBaseline[metric] = median(ratios) - 1;
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
