import { SIMULATED_NOTE, type ResultDocument } from '../samples/result.js';
import { formatBytes, formatMicros } from '../samples/units.js';
import { withChange, type ReportRow } from './rows.js';

/** The terminal's plain, aligned table: medians of valid runs, changes against the baseline, then the notes. */
export function renderTable(result: ResultDocument, rows: readonly ReportRow[]): string {
  const header = ['config', 'runs', 'CPU ms/req', 'RSS', 'ELU', 'p50 µs', 'p99 µs', 'req/s', 'telemetry/req'];
  const cells = rows.map((row) => [
    row.config + (row.isBaseline ? ' (baseline)' : ''),
    `${row.validRuns}/${row.runs}`,
    withChange(row.cpuText, row.cells.cpuMsPerRequest.change),
    ...(['rssMeanBytes', 'eventLoopUtilization', 'latencyP50Us', 'latencyP99Us'] as const).map((metric) => withChange(row.cells[metric].text, row.cells[metric].change)),
    row.rate,
    row.telemetry,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (values: string[]) => values.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)];
  return `${out.join('\n')}\n\n${tableNotes(result, rows).map((note) => `  · ${note}`).join('\n')}\n`;
}

/** What a reader of the table must know: how to read the change, the generator's lag, warnings, exclusions. */
export function tableNotes(result: ResultDocument, rows: readonly ReportRow[]): string[] {
  const rate = result.design.ratesRps[0];
  const notes = [result.design.kind === 'co-scheduled'
    ? `Medians of valid runs at ${rate} req/s; (±x%) is the geometric mean of the per-pair ratios against the baseline that ran beside it ` +
      '("a vs b": geometric means over its pairs of its CPU and of the baselines\' beside it, so a ÷ b is the change).'
    : `Medians of valid runs at ${rate} req/s; (±x%) is the geometric mean of the per-pair ratios against the baseline run of the same round.`];
  if (result.simulation) notes.unshift(SIMULATED_NOTE);
  const runtimes = [...new Set(result.configs.flatMap((c) => (c.runtime ? [c.runtime.label] : [])))];
  if (runtimes.length) {
    notes.push(`Node runtime matrix (${runtimes.join(', ')}): each candidate ran beside a baseline on its own runtime, so its change is per runtime; the ` +
      `baseline row pools them (compare each candidate's "vs" figure instead).`);
  }
  const measured = result.runs.filter((run) => run.status === 'measured');
  const lag = Math.max(0, ...measured.map((run) => run.load.sendLagUs.p99));
  if (measured.length) notes.push(`Latency from the intended send time (open loop); the load generator's p99 lag behind its schedule was at most ${formatMicros(lag)} µs.`);
  const warned = new Set(measured.flatMap((run) => run.warnings.map((w) => `${run.config}: ${w}`)));
  notes.push(...[...warned].slice(0, 4));
  for (const row of rows) notes.push(...row.exclusionReasons.slice(0, 3).map((reason) => `${row.config} (excluded): ${reason}`));
  return notes;
}

export function renderEnvironment(result: ResultDocument): string {
  const env = result.environment;
  return [
    `machine: ${env.cpuCount}× ${env.cpuModel}, ${formatBytes(env.totalMemoryBytes)} RAM, load average ${env.loadAverageStart.join(' ')}` +
      (env.loadAverageEnd ? ` → ${env.loadAverageEnd.join(' ')}` : ''),
    `node ${env.nodeVersion}; ${Object.entries(env.packages).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    `pinning: ${env.pinning.note}`,
    ...(env.generatorPriority ? [`priority: ${env.generatorPriority.note}`] : []),
    ...(env.neighbours ?? []).map((n) => `neighbour ${n.name}: ${n.note}`),
  ].join('\n');
}
