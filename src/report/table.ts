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
    withChange(formatNumber(s.medians.cpuMsPerRequest), s.changeVsBaseline.cpuMsPerRequest),
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
  notes.push('Medians of valid rounds; (±x%) is the median paired change against the baseline run of the same block.');
  const ticks = result.runs.map((run) => run.cpuTicks).filter((t): t is number => t !== undefined);
  if (ticks.length && Math.min(...ticks) < 100) {
    notes.push(`CPU is read in 10 ms ticks and the smallest run had ${Math.min(...ticks)} ticks (±1 tick = ±${(100 / Math.min(...ticks)).toFixed(0)}%): lengthen workload.duration for finer CPU figures.`);
  }
  for (const s of summaries) {
    if (s.saturatedRuns) notes.push(`${s.config}: ${s.saturatedRuns} run(s) saturated (achieved rate more than 2% below offered) and excluded.`);
    const other = s.invalidReasons.filter((reason) => !reason.startsWith('saturated'));
    for (const reason of other.slice(0, 3)) notes.push(`${s.config}: ${reason}`);
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
