import { join, resolve } from 'node:path';
import { pairsFor } from '../analysis/estimates.js';
import { metricNames } from '../analysis/summary.js';
import { minimumDetectableEffect } from '../analysis/stats.js';
import { packageRoot } from '../paths.js';
import { renderAnalysis, metricLabels } from '../report/analysis-text.js';
import { runSession } from '../run/session.js';
import { writeResultAtomic, type Calibration, type ResultDocument } from '../samples/result.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { ExitCode, InputError } from './errors.js';
import { Progress } from './progress.js';
import { readdirSync, readFileSync } from 'node:fs';

export const AA_NAME = 'aa-baseline';
const roundsShown = [5, 10, 20, 30];

/** The scenario's baseline against itself and against a no-op preload: what the noise alone looks like. */
export function calibrationScenario(loaded: LoadedScenario): LoadedScenario {
  const baseline = loaded.configs.find((config) => config.name === loaded.scenario.baseline)!;
  return {
    ...loaded,
    name: `${loaded.name}-calibration`,
    budgets: [],
    configs: [
      baseline,
      { ...baseline, name: AA_NAME },
      { ...baseline, name: 'noop-preload', kind: 'custom', preloads: [...baseline.preloads, join(packageRoot, 'preloads', 'noop.cjs')] },
    ],
  };
}

/** Pure: the noise floor from an A/A result. */
export function calibrate(result: Pick<ResultDocument, 'runs' | 'scenario'>): Calibration {
  const metrics: Calibration['metrics'] = {};
  let pairs = 0;
  for (const metric of metricNames) {
    const logRatios = pairsFor(result.runs, AA_NAME, result.scenario.baseline, metric).map((p) => p.logRatio);
    if (logRatios.length < 2) continue;
    pairs = Math.max(pairs, logRatios.length);
    const mean = logRatios.reduce((s, x) => s + x, 0) / logRatios.length;
    const sd = Math.sqrt(logRatios.reduce((s, x) => s + (x - mean) ** 2, 0) / (logRatios.length - 1));
    metrics[metric] = {
      logRatioSD: sd,
      minimumDetectableEffect: Object.fromEntries(roundsShown.map((n) => [String(n), minimumDetectableEffect(sd, n)])),
    };
  }
  return { pairs, metrics };
}

export function renderCalibration(calibration: Calibration): string {
  const lines = [`Noise floor (A/A: the baseline against itself, ${calibration.pairs} paired blocks):`];
  for (const [metric, entry] of Object.entries(calibration.metrics)) {
    const label = metricLabels[metric as keyof typeof metricLabels] ?? metric;
    const mde = Object.entries(entry.minimumDetectableEffect).map(([n, effect]) => `${n} rounds ≥ ${(effect * 100).toFixed(0)}%`).join(', ');
    lines.push(`  ${label.padEnd(8)} per-block spread ±${(entry.logRatioSD * 100).toFixed(1)}%; detectable (95% confidence, 80% power): ${mde}`);
  }
  const cpu = calibration.metrics.cpuMsPerRequest;
  if (cpu) {
    const e = cpu.minimumDetectableEffect;
    lines.push('', `With 10 rounds you can detect ≥ ${(e['10']! * 100).toFixed(0)}% CPU overhead; with 30 rounds ≥ ${(e['30']! * 100).toFixed(0)}%.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The newest calibration of a scenario in `outDir`, if any (used to warn about budgets below the noise). */
export function latestCalibration(outDir: string, scenarioName: string): Calibration | undefined {
  let files: string[];
  try {
    files = readdirSync(outDir).filter((f) => f.startsWith(`${scenarioName}-calibration-`) && f.endsWith('.json')).sort();
  } catch {
    return undefined;
  }
  for (const file of files.reverse()) {
    try {
      const doc = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as ResultDocument;
      if (doc.calibration) return doc.calibration;
    } catch { /* skip unreadable */ }
  }
  return undefined;
}

export async function calibrateCommand(file: string, flags: { out: string; rounds?: string; quiet?: boolean }): Promise<number> {
  const rounds = Number(flags.rounds ?? 10);
  if (!Number.isInteger(rounds) || rounds < 3) throw new InputError(`--rounds: expected a whole number of at least 3, got "${flags.rounds}".`);
  const loaded = calibrationScenario(loadScenario(file));
  const outPath = resolve(flags.out, `${loaded.name}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.json`);
  const progress = new Progress(process.stderr, Boolean(flags.quiet));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  progress.message(`Calibrating ${file}: ${loaded.scenario.baseline} vs itself vs a no-op preload, ${rounds} rounds.`);
  let result: ResultDocument;
  try {
    result = await runSession(loaded, {
      outPath,
      signal: controller.signal,
      rounds,
      onRunStart: (run, total) => progress.runStart(run, total, rounds),
      onPhase: (run, phase, ms) => progress.setPhase(run, phase, ms),
      onRunEnd: (sample) => progress.runEnd(sample),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
  result.calibration = calibrate(result);
  writeResultAtomic(outPath, result);
  process.stdout.write(`\n${renderCalibration(result.calibration)}`);
  if (result.analysis) process.stdout.write(`\n${renderAnalysis(result.analysis)}`);
  process.stdout.write(`\nResult: ${outPath}\n`);
  if (controller.signal.aborted) return ExitCode.interrupted;
  return Object.keys(result.calibration.metrics).length ? ExitCode.ok : ExitCode.runBroke;
}
