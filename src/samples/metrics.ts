import type { MeasuredRun } from './runs.js';
import { formatBytes, formatMicros, formatNumber } from './units.js';

/**
 * The metric registry: every per-run metric that is compared with the
 * baseline, with what analysis, budgets, the gate and every renderer need to
 * know about it. Adding a metric is one entry here. Lower is better for all.
 */
export interface MetricSpec {
  /** Short name in sentences and CI output: "CPU/req". */
  label: string;
  /** Table column: "CPU ms/req". */
  column: string;
  /** Names a budget may use for it. */
  aliases: string[];
  /** Units an absolute budget may be written in, each with its scale to the metric's own unit. */
  budgetUnits: Record<string, number>;
  read: (run: MeasuredRun) => number;
  /** A value in the metric's unit, for tables. */
  format: (value: number) => string;
  /** A signed difference in the metric's unit: "+0.35 ms". */
  formatDelta: (value: number) => string;
}

const sign = (value: number) => (value >= 0 ? '+' : '−');

export const metrics = {
  cpuMsPerRequest: {
    label: 'CPU/req', column: 'CPU ms/req', aliases: ['cpu', 'cpuMsPerRequest'], budgetUnits: { ms: 1, us: 0.001, µs: 0.001 },
    read: (run) => run.cpuMsPerRequest, format: (v) => formatNumber(v), formatDelta: (v) => `${sign(v)}${formatNumber(Math.abs(v))} ms`,
  },
  rssMeanBytes: {
    label: 'RSS', column: 'RSS', aliases: ['rss', 'rssMeanBytes'], budgetUnits: { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 },
    read: (run) => run.rssMeanBytes, format: (v) => formatBytes(v), formatDelta: (v) => `${sign(v)}${formatBytes(Math.abs(v))}`,
  },
  eventLoopUtilization: {
    label: 'ELU', column: 'ELU', aliases: ['elu', 'eventLoopUtilization'], budgetUnits: {},
    read: (run) => run.eventLoopUtilization, format: (v) => `${(v * 100).toFixed(1)}%`, formatDelta: (v) => `${sign(v)}${(Math.abs(v) * 100).toFixed(1)} pts`,
  },
  latencyP50Us: {
    label: 'p50', column: 'p50 µs', aliases: ['p50', 'latencyP50Us'], budgetUnits: { us: 1, µs: 1, ms: 1000, s: 1_000_000 },
    read: (run) => run.latencyUs.p50, format: (v) => formatMicros(v), formatDelta: (v) => `${sign(v)}${formatMicros(Math.abs(v))} µs`,
  },
  latencyP99Us: {
    label: 'p99', column: 'p99 µs', aliases: ['p99', 'latencyP99Us'], budgetUnits: { us: 1, µs: 1, ms: 1000, s: 1_000_000 },
    read: (run) => run.latencyUs.p99, format: (v) => formatMicros(v), formatDelta: (v) => `${sign(v)}${formatMicros(Math.abs(v))} µs`,
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof metrics;
export const metricNames = Object.keys(metrics) as MetricName[];
/** The metric whose ▲/≈ markers form their own family and that the summaries lead with. */
export const PRIMARY_METRIC: MetricName = 'cpuMsPerRequest';

/** The metric a budget or a flag names ("cpu", "p99", or the full key). */
export function metricByAlias(alias: string): MetricName | undefined {
  return metricNames.find((name) => (metrics[name].aliases as readonly string[]).includes(alias));
}

export const metricAliases = metricNames.flatMap((name) => metrics[name].aliases);

/** Telemetry volumes the intakes count, per request: budgets on these are plain upper limits. */
export const volumeMetrics = {
  spans: { label: 'spans/req', read: (run: MeasuredRun) => run.intake?.perRequest.spans, format: (v: number) => formatNumber(v) },
  bytes: { label: 'bytes/req', read: (run: MeasuredRun) => run.intake?.bytesPerRequest, format: (v: number) => formatBytes(v) },
  errorEvents: { label: 'error events/req', read: (run: MeasuredRun) => run.intake?.perRequest.errorEvents, format: (v: number) => formatNumber(v) },
  // What the app logs per request (with any agent's log injection), from its LOG_FILE.
  logBytes: { label: 'log bytes/req', read: (run: MeasuredRun) => run.logs?.bytesPerRequest, format: (v: number) => formatBytes(v) },
} as const;
export type VolumeMetric = keyof typeof volumeMetrics;

/**
 * What the app did under the agent. `errors: "+0.5%"` budgets the extra share of requests that failed (unexpected
 * statuses, timeouts, socket errors) against the baseline beside it, in percentage points.
 */
export const behaviourMetrics = {
  errors: { label: 'failed requests', formatDelta: (v: number) => `${sign(v)}${(Math.abs(v) * 100).toFixed(2)} pts` },
} as const;
export type BehaviourMetric = keyof typeof behaviourMetrics;

const MIB = 1024 ** 2;

/** A soak window's series of one quantity: the points a growth slope is fitted to. */
export interface GrowthSpec {
  label: string;
  /** The slope's unit, per hour. */
  unit: string;
  /** Units a growth budget may be written in ("+5MB/h"), each with its scale to `unit`. */
  budgetUnits: Record<string, number>;
  series: (run: MeasuredRun) => Array<{ tMs: number; value: number }>;
  formatDelta: (perHour: number) => string;
}

const perHour = (digits: number, unit: string) => (v: number) => `${sign(v)}${Math.abs(v).toFixed(digits)} ${unit}/h`;

/** What a soak estimates the growth of. Memory comes from the probe's samples right after a forced full GC. */
export const growthMetrics = {
  heapGrowth: {
    label: 'heap after GC', unit: 'MB', budgetUnits: { 'kb/h': 1 / 1024, 'mb/h': 1, 'gb/h': 1024 },
    series: (run) => (run.soak ?? []).map((s) => ({ tMs: s.tMs, value: s.heapAfterGcBytes / MIB })), formatDelta: perHour(2, 'MB'),
  },
  rssGrowth: {
    label: 'RSS', unit: 'MB', budgetUnits: { 'kb/h': 1 / 1024, 'mb/h': 1, 'gb/h': 1024 },
    series: (run) => (run.soak ?? []).map((s) => ({ tMs: s.tMs, value: s.rssBytes / MIB })), formatDelta: perHour(2, 'MB'),
  },
  cpuGrowth: {
    // Per interval: CPU over the requests offered in it (the rate is constant in a soak window).
    label: 'CPU/req', unit: 'ms/req', budgetUnits: {},
    series: (run) => (run.soak ?? []).slice(1).map((s, i) => {
      const before = run.soak![i]!;
      return { tMs: s.tMs, value: (s.cpuUs - before.cpuUs) / 1000 / Math.max(1e-9, ((s.tMs - before.tMs) / 1000) * run.offeredRps) };
    }),
    formatDelta: perHour(4, 'ms/req'),
  },
} as const satisfies Record<string, GrowthSpec>;
export type GrowthMetric = keyof typeof growthMetrics;

/** Label and signed formatting for any budgetable metric. */
export function describeMetric(metric: MetricName | VolumeMetric | GrowthMetric | BehaviourMetric): { label: string; formatDelta: (value: number) => string } {
  if (metric in behaviourMetrics) return behaviourMetrics[metric as BehaviourMetric];
  if (metric in growthMetrics) {
    const growth = growthMetrics[metric as GrowthMetric];
    return { label: `${growth.label} growth`, formatDelta: growth.formatDelta };
  }
  if (metric in volumeMetrics) {
    const volume = volumeMetrics[metric as VolumeMetric];
    return { label: volume.label, formatDelta: volume.format };
  }
  return metrics[metric as MetricName];
}
