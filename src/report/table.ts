import type { ConfigSummary } from '../analysis/summary.js';
import type { ResultDocument } from '../samples/result.js';
import { formatBytes, formatChange, formatMicros, formatNumber } from './format.js';

/** Spans (and error events) per request and bytes per request for tracers; series and bytes per scrape for Prometheus. */
export function telemetryCell(s: ConfigSummary): string {
  if (s.series !== undefined) return `${Math.round(s.series)} series, ${formatBytes(s.bytesPerScrape)}/scrape`;
  if (s.spansPerRequest === undefined) return '';
  const errors = s.errorEventsPerRequest ? `, ${formatNumber(s.errorEventsPerRequest)} errors` : '';
  return `${formatNumber(s.spansPerRequest)} spans${errors}, ${formatBytes(s.bytesPerRequest)}`;
}

/**
 * Co-scheduled, each config is compared with the baselines that ran beside it,
 * whose level moves with the machine: show both, so the change is readable.
 */
export function cpuCell(result: Pick<ResultDocument, 'design' | 'scenario'>, s: ConfigSummary): string {
  const own = formatNumber(s.medians.cpuMsPerRequest);
  const base = s.pairedBaselineMedians.cpuMsPerRequest;
  if (result.design.kind !== 'co-scheduled' || s.config === result.scenario.baseline || base === undefined) return own;
  return `${own} vs ${formatNumber(base)}`;
}

function withChange(value: string, change: number | undefined): string {
  const delta = formatChange(change);
  return delta ? `${value} (${delta})` : value;
}

/** A plain, aligned text table: median of valid rounds, change against the baseline. */
export function renderTable(result: ResultDocument, summaries: ConfigSummary[]): string {
  const header = ['config', 'runs', 'CPU ms/req', 'RSS', 'ELU', 'p50 µs', 'p99 µs', 'req/s', 'telemetry/req'];
  const rows = summaries.map((s) => [
    s.config + (s.config === result.scenario.baseline ? ' (baseline)' : ''),
    `${s.validRuns}/${s.runs}`,
    withChange(cpuCell(result, s), s.changeVsBaseline.cpuMsPerRequest),
    withChange(formatBytes(s.medians.rssMeanBytes), s.changeVsBaseline.rssMeanBytes),
    withChange(s.medians.eventLoopUtilization === undefined ? '–' : `${(s.medians.eventLoopUtilization * 100).toFixed(1)}%`, s.changeVsBaseline.eventLoopUtilization),
    withChange(formatMicros(s.medians.latencyP50Us), s.changeVsBaseline.latencyP50Us),
    withChange(formatMicros(s.medians.latencyP99Us), s.changeVsBaseline.latencyP99Us),
    s.achievedRpsMedian === undefined ? '–' : `${s.achievedRpsMedian.toFixed(0)}/${s.offeredRps}`,
    telemetryCell(s),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];

  const notes: string[] = [];
  notes.push(result.design.kind === 'co-scheduled'
    ? `Medians of valid runs at ${summaries[0]?.offeredRps ?? ''} req/s; (±x%) is the geometric mean of the per-pair ratios against the baseline that ran beside it ("a vs b": the config's CPU and that of the baselines beside it).`
    : `Medians of valid runs at ${summaries[0]?.offeredRps ?? ''} req/s; (±x%) is the geometric mean of the per-pair ratios against the baseline run of the same round.`);
  const measured = result.runs.filter((run) => run.status === 'measured');
  const lag = Math.max(0, ...measured.map((run) => run.load.sendLagUs.p99));
  if (measured.length) notes.push(`Latency from the intended send time (open loop); the load generator's p99 lag behind its schedule was at most ${formatMicros(lag)} µs.`);
  const warned = new Set(measured.flatMap((run) => run.warnings.map((w) => `${run.config}: ${w}`)));
  for (const warning of [...warned].slice(0, 4)) notes.push(warning);
  for (const s of summaries) {
    for (const reason of s.exclusionReasons.slice(0, 3)) notes.push(`${s.config} (excluded): ${reason}`);
  }
  return `${out.join('\n')}\n\n${notes.map((note) => `  · ${note}`).join('\n')}\n`;
}

export function renderEnvironment(result: ResultDocument): string {
  const env = result.environment;
  return [
    `machine: ${env.cpuCount}× ${env.cpuModel}, ${formatBytes(env.totalMemoryBytes)} RAM, load average ${env.loadAverageStart.join(' ')}` +
      (env.loadAverageEnd ? ` → ${env.loadAverageEnd.join(' ')}` : ''),
    `node ${env.nodeVersion}; ${Object.entries(env.packages).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    `pinning: ${env.pinning.note}`,
  ].join('\n');
}
