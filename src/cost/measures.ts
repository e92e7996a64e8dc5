import { estimateAll, rateModels } from '../analysis/estimates.js';
import { tQuantile } from '../analysis/stats.js';
import { isValidRun, primaryRate } from '../analysis/summary.js';
import { median } from '../analysis/stats.js';
import type { ResultDocument } from '../samples/result.js';
import type { ConfigMeasure, CpuRateModel } from './project.js';

/** Per config: the paired CPU and RSS deltas (with the CPU CI) and the intakes' median volumes. */
export function measuresFromResult(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>): ConfigMeasure[] {
  const estimates = estimateAll(result);
  const models = rateModels(result);
  return result.configs.filter((c) => c.name !== result.scenario.baseline).flatMap((config) => {
    const cpu = estimates.find((e) => e.config === config.name && e.metric === 'cpuMsPerRequest');
    if (!cpu) return [];
    const rss = estimates.find((e) => e.config === config.name && e.metric === 'rssMeanBytes');
    const runs = result.runs.filter(isValidRun).filter((run) => run.config === config.name && run.offeredRps === primaryRate(result) && run.intake);
    const volume = (read: (r: (typeof runs)[number]) => number | undefined) => {
      const values = runs.map(read).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    return [{
      config: config.name,
      kind: config.kind,
      cpuDeltaMsPerRequest: cpu.delta,
      cpuDeltaMsPerRequestCI: cpu.deltaCI,
      rssDeltaBytes: rss?.delta ?? 0,
      spansPerRequest: volume((r) => r.intake!.perRequest.spans),
      keptSpansPerRequest: volume((r) => r.intake!.perRequest.keptSpans),
      bytesPerRequest: volume((r) => r.intake!.bytesPerRequest),
      keptBytesPerRequest: volume((r) => r.intake!.perRequest.keptBytes),
      errorEventsPerRequest: volume((r) => r.intake!.perRequest.errorEvents),
      series: volume((r) => r.intake!.items.series),
      ...cpuRateModel(models.find((m) => m.config === config.name)),
    }];
  });
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
