import { estimateAll, rateModels } from '../analysis/estimates.js';
import { tQuantile } from '../analysis/stats.js';
import { isValidRun, primaryRate } from '../analysis/summary.js';
import { median } from '../analysis/stats.js';
import { pairsFor } from '../analysis/summary.js';
import type { MeasuredRun, ResultDocument } from '../samples/result.js';
import type { ConfigMeasure, CpuRateModel, IntakeVolumes } from './project.js';

/** Per config: the paired CPU and RSS deltas (with the CPU CI) and the intakes' median volumes. */
export function measuresFromResult(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>): ConfigMeasure[] {
  const estimates = estimateAll(result);
  const models = rateModels(result);
  return result.configs.filter((c) => c.name !== result.scenario.baseline).flatMap((config) => {
    const cpu = estimates.find((e) => e.config === config.name && e.metric === 'cpuMsPerRequest');
    if (!cpu) return [];
    const rss = estimates.find((e) => e.config === config.name && e.metric === 'rssMeanBytes');
    const runs = result.runs.filter(isValidRun).filter((run) => run.config === config.name && run.offeredRps === primaryRate(result) && run.intake);
    const parts = [...new Set(runs.flatMap((r) => Object.keys(r.intake!.items).filter((k) => k.includes('/')).map((k) => k.slice(0, k.lastIndexOf('/')))))];
    return [{
      config: config.name,
      kind: config.kind,
      cpuDeltaMsPerRequest: cpu.delta,
      cpuDeltaMsPerRequestCI: cpu.deltaCI,
      rssDeltaBytes: rss?.delta ?? 0,
      ...volumesOf(runs, ''),
      ...logVolumes(result.runs.filter(isValidRun).filter((run) => run.config === config.name && run.offeredRps === primaryRate(result) && run.logs)),
      ...(parts.length ? { parts: Object.fromEntries(parts.map((part) => [part, volumesOf(runs, `${part}/`)])) } : {}),
      ...(config.sampleRate !== undefined ? { sampleRate: config.sampleRate } : {}),
      options: config.options,
      benchRps: primaryRate(result),
      ...cpuRateModel(models.find((m) => m.config === config.name)),
    }];
  });
}

/** What the app logged per request: median bytes and lines of the runs that saw its log. */
function logVolumes(runs: readonly MeasuredRun[]): Pick<ConfigMeasure, 'logBytesPerRequest' | 'logLinesPerRequest'> {
  if (!runs.length) return {};
  return { logBytesPerRequest: median(runs.map((r) => r.logs!.bytesPerRequest)), logLinesPerRequest: median(runs.map((r) => r.logs!.linesPerRequest)) };
}

/** Median per-request volumes of the runs' intakes; `prefix` picks one member of a stack ("datadog@1/"). */
function volumesOf(runs: readonly MeasuredRun[], prefix: string): IntakeVolumes {
  const volume = (read: (r: MeasuredRun) => number | undefined) => medianOfKnown(runs.map(read));
  const per = (kind: string) => volume((r) => r.intake!.perRequest[`${prefix}${kind}`]);
  return {
    spansPerRequest: per('spans'),
    keptSpansPerRequest: per('keptSpans'),
    bytesPerRequest: prefix ? per('payloadBytes') : volume((r) => r.intake!.bytesPerRequest),
    keptBytesPerRequest: per('keptBytes'),
    errorEventsPerRequest: per('errorEvents'),
    errorSpansPerRequest: per('errorSpans'),
    tracesPerRequest: per('traces'),
    keptTracesPerRequest: per('keptTraces'),
    series: volume((r) => r.intake!.items[`${prefix}series`]),
    customMetricSeries: volume((r) => r.intake!.items[`${prefix}customMetrics`]),
  };
}

function cpuRateModel(model: ReturnType<typeof rateModels>[number] | undefined): { cpuRateModel?: CpuRateModel } {
  const fit = model?.overhead;
  if (!model || !fit || !Number.isFinite(fit.slopeSE)) return {};
  return {
    cpuRateModel: {
      fixedMsPerSecond: fit.intercept,
      fixedSE: fit.interceptSE,
      marginalMsPerRequest: fit.slope,
      marginalSE: fit.slopeSE,
      t: tQuantile(0.975, fit.n - 2),
      ratesRps: model.ratesRps,
    },
  };
}

/** The median of the values that were measured; undefined when none was. */
function medianOfKnown(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length ? median(known) : undefined;
}

/**
 * Each config's measure pair by pair (the pairs of a co-scheduled session, the blocks of a sequential one): that pair's
 * CPU and RSS deltas and its own run's volumes, so the bill can be computed per pair and its range read from the
 * pair-level bills with the same paired t inference as CPU. A percentile bootstrap over 3–5 pairs has 10–126 distinct
 * resamples and its range missed the truth 16–25% of the time. A rate model's coefficients stay central here; their
 * own interval is added to the range (cost/project.ts).
 */
export function pairMeasures(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, central: readonly ConfigMeasure[]): Map<string, ConfigMeasure[]> {
  const rate = primaryRate(result);
  const baseline = result.scenario.baseline;
  const out = new Map<string, ConfigMeasure[]>();
  for (const measure of central) {
    const rss = new Map(pairsFor(result.runs, measure.config, baseline, 'rssMeanBytes', rate).map((p) => [p.pair, p.value - p.baselineValue]));
    const runs = new Map(result.runs.filter(isValidRun).filter((r) => r.config === measure.config && r.offeredRps === rate).map((r) => [r.pair, r]));
    const pairs = pairsFor(result.runs, measure.config, baseline, 'cpuMsPerRequest', rate);
    if (pairs.length < 3) continue;
    out.set(measure.config, pairs.map((pair) => {
      const intake = runs.get(pair.pair)?.intake;
      const per = (key: string) => intake?.perRequest[key];
      return {
        ...measure,
        cpuDeltaMsPerRequest: pair.value - pair.baselineValue,
        rssDeltaBytes: rss.get(pair.pair) ?? measure.rssDeltaBytes,
        spansPerRequest: per('spans') ?? measure.spansPerRequest,
        keptSpansPerRequest: per('keptSpans') ?? measure.keptSpansPerRequest,
        bytesPerRequest: intake?.bytesPerRequest ?? measure.bytesPerRequest,
        keptBytesPerRequest: per('keptBytes') ?? measure.keptBytesPerRequest,
        errorEventsPerRequest: per('errorEvents') ?? measure.errorEventsPerRequest,
        errorSpansPerRequest: per('errorSpans') ?? measure.errorSpansPerRequest,
        tracesPerRequest: per('traces') ?? measure.tracesPerRequest,
        keptTracesPerRequest: per('keptTraces') ?? measure.keptTracesPerRequest,
      };
    }));
  }
  return out;
}
