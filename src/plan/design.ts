import type { DesignRecord } from '../samples/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { formatDuration } from '../samples/units.js';
import { unitWindowMs, wholePeriodsMs } from './plan.js';

/*
 * What a session will be, before it runs: its design, its rates and about how long it takes. Pure, and apart from the
 * runner, so `validate` and the preview load none of the load generator.
 */

/** The rates a workload offers: `rates`, or the single `rate`. The first is the primary one. */
export function workloadRates(workload: { rate?: number; rates?: number[] }): number[] {
  return workload.rates ?? [workload.rate!];
}

/** Roughly how long a session takes: start-up, warm-up, window, latency phases and stop per unit. */
export function estimateSessionMs(loaded: LoadedScenario, rounds: number | 'auto'): number {
  const w = loaded.scenario.workload;
  const design = resolveDesign(loaded, 0);
  const n = rounds === 'auto' ? w.autoRounds.min : rounds;
  const maxMs = w.maxThroughput ? w.maxThroughput.duration : 0;
  const measured = design.kind === 'co-scheduled' ? loaded.configs.filter((c) => c.name !== loaded.scenario.baseline) : loaded.configs;
  // Each config's windows, stretched to whole periods of its periodic work.
  const windowsMs = measured.reduce((sum, c) => sum + unitWindowMs(w, [c]), 0);
  const fixedMs = design.kind === 'co-scheduled' ? 3_000 + w.warmup + 2 * (w.latencyDuration + maxMs) : 1_300 + w.warmup + maxMs;
  return (measured.length * fixedMs + windowsMs) * design.ratesRps.length * n;
}

/** One line before a session starts: what will run, how, and for about how long. */
export function sessionPreview(loaded: LoadedScenario, rounds: number | 'auto'): string {
  const w = loaded.scenario.workload;
  const design = resolveDesign(loaded, 0);
  const roundsText = rounds === 'auto' ? `${w.autoRounds.min}–${w.autoRounds.max} (auto)` : String(rounds);
  const rates = design.ratesRps.join(' and ');
  const stretched = w.soak ? [] : loaded.configs.flatMap((c) => {
    const ms = wholePeriodsMs(w.duration, c.periodsMs ?? []);
    return ms === w.duration ? [] : [`${c.name} ${formatDuration(ms)}`];
  });
  const window = w.soak ? `a ${formatDuration(w.soak.duration)} soak, sampled every ${formatDuration(w.soak.sample)}`
    : `${formatDuration(w.duration)} measured${stretched.length ? ` (${stretched.join(', ')}: whole periods of their periodic work)` : ''}`;
  const what = design.kind === 'co-scheduled'
    ? `${loaded.configs.length - 1} configs, each beside its own fresh ${loaded.scenario.baseline} (co-scheduled pairs)`
    : `${loaded.configs.length} configs one at a time (sequential)`;
  return `${loaded.name}: ${what} × ${roundsText} rounds at ${rates} req/s ` +
    `(${formatDuration(w.warmup)} warm-up + ${window}` +
      `${design.kind === 'co-scheduled' ? ` + ${formatDuration(w.latencyDuration)} latency per side` : ''}), ` +
    `about ${formatDuration(Math.round(estimateSessionMs(loaded, rounds) / 1000) * 1000)}.`;
}

/** The design the session will use, and why when it is not the one asked for. */
export function resolveDesign(loaded: LoadedScenario, seed: number): DesignRecord {
  const { workload } = loaded.scenario;
  const candidates = loaded.configs.filter((config) => config.name !== loaded.scenario.baseline).length;
  const record: DesignRecord = {
    kind: workload.design, seed, arrival: workload.arrival, ratesRps: workloadRates(workload), latencyMs: workload.latencyDuration,
    ...(workload.soak ? { soak: { durationMs: workload.soak.duration, sampleMs: workload.soak.sample, warmupShare: workload.soak.warmup } } : {}),
  };
  if (workload.design === 'co-scheduled' && candidates === 0) {
    return { ...record, kind: 'sequential', note: 'only the baseline is configured, so there is nothing to pair it with: measured alone' };
  }
  return record;
}
