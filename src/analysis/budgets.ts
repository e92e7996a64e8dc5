import type { Estimate } from './estimates.js';
import type { MetricName } from './summary.js';
import { bootstrapCI, hull, median, tInterval, verdictAgainstBudget, type Verdict } from './stats.js';
import { isValidRun } from './summary.js';
import type { MeasuredRun, RunSample } from '../samples/result.js';

/** Short names users write in budgets, and the metric each stands for. */
export const metricAliases: Record<string, MetricName> = {
  cpu: 'cpuMsPerRequest',
  cpuMsPerRequest: 'cpuMsPerRequest',
  rss: 'rssMeanBytes',
  rssMeanBytes: 'rssMeanBytes',
  elu: 'eventLoopUtilization',
  eventLoopUtilization: 'eventLoopUtilization',
  p50: 'latencyP50Us',
  latencyP50Us: 'latencyP50Us',
  p99: 'latencyP99Us',
  latencyP99Us: 'latencyP99Us',
};

/** Telemetry volumes counted by the intakes, per request: budgets on these are plain upper limits. */
export const volumeMetrics = {
  spans: (run: MeasuredRun) => run.intake?.perRequest.spans,
  bytes: (run: MeasuredRun) => run.intake?.bytesPerRequest,
  errorEvents: (run: MeasuredRun) => run.intake?.perRequest.errorEvents,
} as const;
export type VolumeMetric = keyof typeof volumeMetrics;

export interface Budget {
  /** Config name or glob (`datadog@*`). */
  config: string;
  metric: MetricName | VolumeMetric;
  kind: 'relative' | 'absolute' | 'volume';
  /** Fraction for relative (0.15 = +15%); the metric's own unit for absolute (ms, µs, bytes). */
  limit: number;
  /** As the user wrote it, for messages. */
  text: string;
}

const unitScale: Record<MetricName, Record<string, number>> = {
  cpuMsPerRequest: { ms: 1, us: 0.001, µs: 0.001 },
  latencyP50Us: { us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  latencyP99Us: { us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  rssMeanBytes: { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 },
  eventLoopUtilization: {},
};

/** "3" spans per request, "2KB" per request: an upper limit on a counted volume. */
export function parseVolumeBudget(metric: VolumeMetric, text: string): { kind: 'volume'; limit: number } | string {
  const match = /^\s*(?:≤|<=)?\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const scale = metric === 'bytes' ? { '': 1, b: 1, kb: 1024, mb: 1024 ** 2 }[match?.[2]?.toLowerCase() ?? ''] : match?.[2] ? undefined : 1;
  if (!match || scale === undefined) return `expected ${metric === 'bytes' ? 'a size per request like "2KB"' : `a number per request like "3"`}, got "${text}"`;
  return { kind: 'volume', limit: Number(match[1]) * scale };
}

/** Parse "+15%", "+2ms", "+64MB" for a metric; returns an error message instead when malformed. */
export function parseBudgetValue(metric: MetricName, text: string): { kind: Budget['kind']; limit: number } | string {
  const match = /^\s*\+?\s*(\d+(?:\.\d+)?)\s*(%|[a-zµ]+)\s*$/i.exec(text);
  if (!match) return `expected a limit like "+15%" or "+2ms", got "${text}"`;
  const value = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit === '%') return { kind: 'relative', limit: value / 100 };
  const scale = unitScale[metric][unit];
  if (scale === undefined) {
    const allowed = Object.keys(unitScale[metric]);
    return `${metric} takes "%"${allowed.length ? ` or ${allowed.map((u) => `"${u}"`).join(', ')}` : ' only'}, got "${text}"`;
  }
  return { kind: 'absolute', limit: value * scale };
}

export function configMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(name);
}

export interface BudgetVerdict {
  budget: Budget;
  config: string;
  verdict: Verdict;
  /** Why it is inconclusive, when it is. */
  note?: string;
  estimate?: Estimate;
  /** For volume budgets: the median per-run value and its CI. */
  volume?: { value: number; ci: { low: number; high: number } };
}

/** Three-state verdict for every budget × matching config. A budget with no data is inconclusive. */
export function judgeBudgets(budgets: readonly Budget[], estimates: readonly Estimate[], configs: readonly string[], runs: readonly RunSample[] = []): BudgetVerdict[] {
  const verdicts: BudgetVerdict[] = [];
  for (const budget of budgets) {
    for (const config of configs.filter((name) => configMatches(budget.config, name))) {
      if (budget.kind === 'volume') {
        const read = volumeMetrics[budget.metric as VolumeMetric];
        const values = runs.filter(isValidRun).filter((run) => run.config === config).map(read).filter((v): v is number => v !== undefined);
        if (!values.length) {
          verdicts.push({ budget, config, verdict: 'inconclusive', note: 'no intake counts for this config' });
          continue;
        }
        const ci = hull(bootstrapCI(values, { seed: 5 }), tInterval(values));
        const verdict = verdictAgainstBudget(ci, budget.limit);
        verdicts.push({ budget, config, verdict, volume: { value: median(values), ci }, ...(verdict === 'inconclusive' ? { note: 'the confidence interval straddles the budget' } : {}) });
        continue;
      }
      const found = estimates.find((e) => e.config === config && e.metric === budget.metric);
      if (!found) {
        verdicts.push({ budget, config, verdict: 'inconclusive', note: 'no valid paired runs' });
        continue;
      }
      const ci = budget.kind === 'relative' ? found.overheadCI : found.deltaCI;
      const verdict = verdictAgainstBudget(ci, budget.limit);
      verdicts.push({ budget, config, verdict, estimate: found, ...(verdict === 'inconclusive' ? { note: 'the confidence interval straddles the budget: add rounds' } : {}) });
    }
  }
  return verdicts;
}
