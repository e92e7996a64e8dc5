import { join, resolve } from 'node:path';
import { AA_NAME, calibrate } from '../analysis/calibrate.js';
import { minimumDetectableEffect } from '../analysis/stats.js';
import { packageRoot } from '../paths.js';
import { renderAnalysis, metricLabels } from '../report/analysis-text.js';
import { runSession } from '../run/session.js';
import { writeResultAtomic, type Calibration, type ResultDocument } from '../samples/result.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { ExitCode, InputError } from '../errors.js';
import { Progress } from './progress.js';
import { readdirSync, readFileSync } from 'node:fs';


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

export function renderCalibration(calibration: Calibration, scenarioRounds?: number | 'auto'): string {
  const how = calibration.design === 'co-scheduled' ? 'co-scheduled pairs: the baseline beside its own twin' : 'sequential blocks: the baseline against its own twin';
  const lines = [`Noise floor (A/A, ${calibration.pairs} ${how}):`];
  for (const [metric, entry] of Object.entries(calibration.metrics)) {
    const label = metricLabels[metric as keyof typeof metricLabels] ?? metric;
    const mde = Object.entries(entry.minimumDetectableEffect).map(([n, effect]) => `${n} rounds ≥ ${(effect * 100).toFixed(1)}%`).join(', ');
    lines.push(`  ${label.padEnd(8)} SD of the per-pair log ratio ${entry.logRatioSD.toFixed(3)}; detectable (95% confidence, 80% power): ${mde}`);
  }
  const cpu = calibration.metrics.cpuMsPerRequest;
  if (cpu) {
    const e = cpu.minimumDetectableEffect;
    lines.push('', `CPU per request: 5 rounds detect ≥ ${(e['5']! * 100).toFixed(1)}% overhead, 10 rounds ≥ ${(e['10']! * 100).toFixed(1)}%, 30 rounds ≥ ${(e['30']! * 100).toFixed(1)}%.`);
    if (typeof scenarioRounds === 'number') {
      const own = minimumDetectableEffect(cpu.logRatioSD, scenarioRounds);
      lines.push(`With the scenario's own ${scenarioRounds} rounds: CPU overheads ≥ ${(own * 100).toFixed(1)}% are detected (95% confidence, 80% power).`);
    }
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
      onUnitStart: (unit, total) => progress.unitStart(unit, total, rounds),
      onPhase: (unit, phase, ms) => progress.setPhase(unit, phase, ms),
      onUnitEnd: (_unit, samples) => progress.unitEnd(samples),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
  result.calibration = calibrate(result);
  writeResultAtomic(outPath, result);
  process.stdout.write(`\n${renderCalibration(result.calibration, loadScenario(file).scenario.workload.rounds)}`);
  if (result.analysis) process.stdout.write(`\n${renderAnalysis(result.analysis)}`);
  process.stdout.write(`\nResult: ${outPath}\n`);
  if (controller.signal.aborted) return ExitCode.interrupted;
  return Object.keys(result.calibration.metrics).length ? ExitCode.ok : ExitCode.runBroke;
}
