import { afterWarmup, theilSen } from '../analysis/soak.js';
import type { Analysis, Growth } from '../samples/analysis.js';
import { growthMetrics, type GrowthMetric } from '../samples/metrics.js';
import type { MeasuredRun, ResultDocument } from '../samples/result.js';

/** One soak row per config: what each growth metric says, in words, for the terminal, Markdown and HTML alike. */
export interface SoakRow {
  config: string;
  cells: Array<{ metric: GrowthMetric; label: string; text: string; finding: Growth['finding'] }>;
}

const signed = (value: number, digits: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
const DIGITS: Record<GrowthMetric, number> = { heapGrowth: 2, rssGrowth: 2, cpuGrowth: 4 };

/** "grows +1411.20 MB/h [+1400.10, +1420.50]" or ": no growth detected (would detect ≥ 0.52 MB/h)", against the baseline where paired. */
export function growthText(growth: Growth): string {
  const slope = growth.paired ?? growth.own;
  const digits = DIGITS[growth.metric];
  const unit = `${growthMetrics[growth.metric].unit}/h`;
  if (growth.finding === 'no growth detected') return `: no growth detected (would detect ≥ ${growth.detectablePerHour.toFixed(digits)} ${unit})`;
  return ` ${growth.finding} ${signed(slope.perHour, digits)} ${unit} [${signed(slope.ci.low, digits)}, ${signed(slope.ci.high, digits)}]`;
}

export function soakRows(analysis: Pick<Analysis, 'soak' | 'baseline'>): SoakRow[] {
  const growth = analysis.soak?.growth ?? [];
  const configs = [...new Set(growth.map((g) => g.config))].sort((a, b) => Number(b !== analysis.baseline) - Number(a !== analysis.baseline));
  return configs.map((config) => ({
    config,
    cells: growth.filter((g) => g.config === config).map((g) => ({ metric: g.metric, label: growthMetrics[g.metric].label, text: growthText(g), finding: g.finding })),
  }));
}

/** For the terminal: a line per config, its growth against its baseline on every metric. */
export function renderSoakText(analysis: Analysis): string {
  const rows = soakRows(analysis);
  if (!rows.length) return '';
  const width = Math.max(...rows.map((r) => r.config.length)) + 2;
  const lines = [`Growth over the soak (per hour after warm-up; candidates against the ${analysis.baseline} beside them, ${analysis.baseline} on its own):`];
  for (const row of rows) lines.push(`  ${row.config.padEnd(width)}${row.cells.map((c) => `${c.label}${c.text}`).join('   ')}`);
  return `${lines.join('\n')}\n`;
}

export function renderSoakMarkdown(analysis: Analysis): string[] {
  const rows = soakRows(analysis);
  if (!rows.length) return [];
  const metricsShown = rows[0]!.cells.map((c) => c.label);
  return ['## Growth over the soak', '', analysis.soak!.method, '',
    `| config | ${metricsShown.join(' | ')} |`, `|---|${metricsShown.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.config} | ${r.cells.map((c) => c.text.replace(/^:? /, '')).join(' | ')} |`)];
}

export interface SoakPoint { panel: string; series: string; minutes: number; heapMB: number; kind: 'sample' | 'fit' | 'warm-up' }

/**
 * Heap after GC over time: a panel per candidate with its baseline beside it (the pair that ran together), and each
 * series' Theil–Sen line over the samples after warm-up. The baseline's own panel comes first.
 */
export function soakChartPoints(result: Pick<ResultDocument, 'runs' | 'design' | 'scenario'>): SoakPoint[] {
  const soak = result.design.soak;
  if (!soak) return [];
  const MIB = 1024 ** 2;
  const runs = result.runs.filter((r): r is MeasuredRun => r.status === 'measured' && (r.soak?.length ?? 0) > 0);
  const baseline = result.scenario.baseline;
  const points: SoakPoint[] = [];
  const candidates = runs.filter((r) => r.config !== baseline && r.round === 0);
  for (const run of candidates) {
    const partner = runs.find((r) => r.pair === run.pair && r.config === baseline);
    for (const [series, member] of [[run.config, run], ...(partner ? [[`${baseline} (beside it)`, partner]] : [])] as Array<[string, MeasuredRun]>) {
      const samples = member.soak!.map((s) => ({ tMs: s.tMs, value: s.heapAfterGcBytes / MIB }));
      for (const s of samples) {
        points.push({ panel: run.config, series, minutes: s.tMs / 60_000, heapMB: s.value, kind: s.tMs < soak.warmupShare * soak.durationMs ? 'warm-up' : 'sample' });
      }
      const kept = afterWarmup(samples, soak);
      if (kept.length < 2) continue;
      const slope = theilSen(kept.map((s) => s.tMs), kept.map((s) => s.value));
      const intercept = [...kept.map((s) => s.value - slope * s.tMs)].sort((a, b) => a - b)[Math.floor(kept.length / 2)]!;
      for (const tMs of [kept[0]!.tMs, kept.at(-1)!.tMs]) points.push({ panel: run.config, series, minutes: tMs / 60_000, heapMB: intercept + slope * tMs, kind: 'fit' });
    }
  }
  return points;
}
