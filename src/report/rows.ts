import type { ConfigSummary } from '../analysis/summary.js';
import type { ConfigCost } from '../cost/project.js';
import { estimateOf, type Analysis, type BehaviourChange, type BudgetVerdict, type Estimate, type Significance } from '../samples/analysis.js';
import { metricNames, metrics, PRIMARY_METRIC, type MetricName } from '../samples/metrics.js';
import type { ResultDocument } from '../samples/result.js';
import { formatBytes, formatChange, formatNumber } from '../samples/units.js';
import { describeConfig } from './describe.js';

/** One metric of one config: the median of its valid runs and the paired change against the baseline. */
export interface MetricCell {
  /** The median, formatted in the metric's unit. */
  text: string;
  /** Geometric mean of the per-pair ratios − 1; absent for the baseline. */
  change?: number;
  estimate?: Estimate;
}

/**
 * Everything any output shows about one config, computed once: the terminal
 * table, the Markdown report and the HTML report render these rows, and the
 * gate's cases come from the same budget verdicts.
 */
export interface ReportRow {
  config: string;
  isBaseline: boolean;
  /** The config in words: "Datadog dd-trace at 10% sampling". */
  description: string;
  /** "dd-trace 5.132.0 (from apm-bench)". */
  agent?: string;
  validRuns: number;
  runs: number;
  /** Co-scheduled, "its CPU vs that of the baselines beside it" (geometric means over its pairs); otherwise its CPU's median. */
  cpuText: string;
  cells: Record<MetricName, MetricCell>;
  /** The primary metric's marker after multiplicity control. */
  marker: Significance | 'baseline' | 'no valid pairs';
  /** "300/300": achieved of offered req/s. */
  rate: string;
  /** Spans, errors and bytes per request; series and bytes per scrape for Prometheus. */
  telemetry: string;
  exclusionReasons: string[];
  budgets: BudgetVerdict[];
  /** Requests failed under this config where the baseline's did not: its top finding, before any overhead. */
  behaviour?: BehaviourChange;
  cost?: ConfigCost;
}

/** Spans (and error events) per request and bytes per request for tracers; series and bytes per scrape for scraped metrics. */
export function telemetryText(s: ConfigSummary): string {
  const log = s.logBytesPerRequest !== undefined ? `log ${formatBytes(s.logBytesPerRequest)}` : '';
  return [intakeText(s), log].filter(Boolean).join(', ');
}

function intakeText(s: ConfigSummary): string {
  if (s.series !== undefined) return `${Math.round(s.series)} series, ${formatBytes(s.bytesPerScrape)}/scrape`;
  if (s.spansPerRequest === undefined) return '';
  const errors = s.errorEventsPerRequest ? `, ${formatNumber(s.errorEventsPerRequest)} errors` : '';
  return `${formatNumber(s.spansPerRequest)} spans${errors}, ${formatBytes(s.bytesPerRequest)}`;
}

/** "0.277 (+14.9%)": a value with its change, when there is one. */
export function withChange(text: string, change: number | undefined): string {
  const delta = formatChange(change);
  return delta ? `${text} (${delta})` : text;
}

export function reportRows(
  result: Pick<ResultDocument, 'configs' | 'scenario' | 'design'>,
  summaries: readonly ConfigSummary[],
  analysis: Pick<Analysis, 'estimates' | 'budgets' | 'behaviour'>,
  costs: readonly ConfigCost[] = [],
): ReportRow[] {
  const baseline = result.scenario.baseline;
  return summaries.map((s) => {
    const isBaseline = s.config === baseline;
    const record = result.configs.find((c) => c.name === s.config);
    const cells = Object.fromEntries(metricNames.map((metric) => {
      const median = s.medians[metric];
      const cell: MetricCell = {
        text: median === undefined ? '–' : metrics[metric].format(median),
        ...(s.changeVsBaseline[metric] !== undefined ? { change: s.changeVsBaseline[metric] } : {}),
        ...(estimateOf(analysis, s.config, metric) ? { estimate: estimateOf(analysis, s.config, metric)! } : {}),
      };
      return [metric, cell];
    })) as Record<MetricName, MetricCell>;
    const paired = s.pairedGeometricMeans[PRIMARY_METRIC];
    const cpuText = result.design.kind === 'co-scheduled' && !isBaseline && paired !== undefined
      ? `${metrics[PRIMARY_METRIC].format(paired.value)} vs ${metrics[PRIMARY_METRIC].format(paired.baseline)}`
      : cells[PRIMARY_METRIC].text;
    const cost = costs.find((c) => c.config === s.config);
    const behaviour = analysis.behaviour?.find((b) => b.config === s.config);
    return {
      config: s.config,
      isBaseline,
      description: record ? describeConfig(record) : s.config,
      ...(record?.agent ? { agent: `${record.agent.package} ${record.agent.version} (from ${record.agent.from})` } : {}),
      validRuns: s.validRuns,
      runs: s.runs,
      cpuText,
      cells,
      marker: isBaseline ? 'baseline' : cells[PRIMARY_METRIC].estimate?.significance ?? 'no valid pairs',
      rate: s.achievedRpsMedian === undefined ? '–' : `${s.achievedRpsMedian.toFixed(0)}/${s.offeredRps}`,
      telemetry: telemetryText(s),
      exclusionReasons: s.exclusionReasons,
      budgets: analysis.budgets.filter((b) => b.config === s.config),
      ...(behaviour ? { behaviour } : {}),
      ...(cost ? { cost } : {}),
    };
  });
}
