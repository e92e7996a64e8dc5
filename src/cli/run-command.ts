import { basename, dirname, resolve } from 'node:path';
import { summarise } from '../analysis/summary.js';
import { renderEnvironment, renderTable } from '../report/table.js';
import { renderAnalysis } from '../report/analysis-text.js';
import { killAllGroupsNow } from '../run/processes.js';
import { runSession, sessionPreview } from '../run/session.js';
import type { ResultDocument } from '../samples/result.js';
import { assertBudgetsMatch, loadBudgetsFile, loadScenario, type LoadedScenario } from '../scenario/load.js';
import { decide, type InconclusivePolicy } from '../gate/gate.js';
import { budgetCases, emitGateOutputs, renderGateText } from './gate-output.js';
import { writeResultAtomic } from '../samples/result.js';
import { writeReports } from './report-command.js';
import { ExitCode, InputError } from '../errors.js';
import { Progress } from './progress.js';
import { latestCalibration } from './calibrate-command.js';
import { minimumDetectableEffect, pairsToDetect } from '../analysis/stats.js';

export interface RunFlags {
  out: string;
  rounds?: string;
  quiet?: boolean;
  gate?: boolean;
  budgets?: string;
  junit?: string;
  markdown?: string;
  inconclusive: InconclusivePolicy;
}

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function describeFailures(result: ResultDocument): string[] {
  return result.runs
    .filter((run) => run.status === 'failed')
    .map((run) => {
      if (run.status !== 'failed') return '';
      const tail = run.failure?.outputTail ? `\n  Last output of the target:\n${run.failure.outputTail.split('\n').map((l) => `    ${l}`).join('\n')}` : '\n  The target printed nothing.';
      return `Run ${run.index + 1} (${run.config}, round ${run.round + 1}) failed: ${run.failure.reason}. Its later runs were skipped; the other configs' results are kept.${tail}`;
    });
}

/** `apm-bench run`: every scenario in turn; returns the exit code. */
export async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  const rounds = flags.rounds === undefined ? undefined : flags.rounds === 'auto' ? 'auto' as const : Number(flags.rounds);
  if (rounds !== undefined && rounds !== 'auto' && (!Number.isInteger(rounds) || rounds < 1)) {
    throw new InputError(`--rounds: expected a whole number of at least 1, or "auto", got "${flags.rounds}".`);
  }
  // Validate every file before running any, so a typo in the third file does not waste the first two runs.
  const scenarios = files.map((file) => loadScenario(file));
  const shared = flags.budgets ? loadBudgetsFile(flags.budgets) : [];
  assertBudgetsMatch(shared, scenarios.map((l) => l.configs.map((c) => c.name).filter((name) => name !== l.scenario.baseline)), `${flags.budgets}`);
  for (const loaded of scenarios) loaded.budgets.push(...shared);
  if (flags.gate) {
    const without = scenarios.filter((loaded) => loaded.budgets.length === 0);
    if (without.length) throw new InputError(`--gate: ${without.map((l) => l.file).join(', ')} has no budgets. Add "budgets:" to the scenario or pass --budgets budgets.yaml.`);
  }
  const progress = new Progress(process.stderr, Boolean(flags.quiet));
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) {
      killAllGroupsNow();
      process.stderr.write('\nStopped at once; the result file holds every run finished so far.\n');
      process.exit(ExitCode.interrupted);
    }
    progress.message(`\n${signal}: stopping after cleaning up the current run (press Ctrl-C again to stop at once)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode: number = ExitCode.ok;
  let gateExit: number | undefined;
  try {
    for (const loaded of scenarios) {
      if (controller.signal.aborted) break;
      const effectiveRounds = rounds ?? loaded.scenario.workload.rounds;
      const outPath = resolve(flags.out, `${loaded.name}-${timestamp()}.json`);
      const w = loaded.scenario.workload;
      progress.message(sessionPreview(loaded, effectiveRounds));
      warnBudgetsBelowNoise(loaded, flags.out, effectiveRounds, progress);
      const result = await runSession(loaded, {
        outPath,
        signal: controller.signal,
        rounds: effectiveRounds,
        onNote: (text) => progress.message(text),
        onUnitStart: (unit, total) => progress.unitStart(unit, total, effectiveRounds === 'auto' ? w.autoRounds.max : effectiveRounds),
        onPhase: (unit, phase, ms) => progress.setPhase(unit, phase, ms),
        onUnitEnd: (_unit, samples) => progress.unitEnd(samples),
      });
      progress.stop();
      const summaries = summarise(result);
      process.stdout.write(`\n${loaded.name} — ${result.status}\n${renderEnvironment(result)}\n\n${renderTable(result, summaries)}`);
      if (result.analysis) process.stdout.write(`\n${renderAnalysis(result.analysis)}`);
      try {
        const reports = await writeReports(result, dirname(outPath), basename(outPath).replace(/\.json$/, ''));
        process.stdout.write(`\nResult: ${relativeToCwd(outPath)}\nReport: ${relativeToCwd(reports.html)} (and ${basename(reports.markdown)})\n`);
      } catch (error) {
        process.stdout.write(`\nResult: ${relativeToCwd(outPath)} (writing the reports failed: ${(error as Error).message}; retry with "apm-bench report")\n`);
      }
      const failures = describeFailures(result);
      if (failures.length) {
        process.stderr.write(`\n${failures.join('\n\n')}\n`);
        exitCode = Math.max(exitCode, ExitCode.runBroke);
      }
      if (summaries.every((s) => s.validRuns === 0) && result.status !== 'interrupted') {
        process.stderr.write('\nNo run produced valid measurements.\n');
        exitCode = Math.max(exitCode, ExitCode.runBroke);
      }
      if (flags.gate && result.analysis && !controller.signal.aborted) {
        const outcome = decide(budgetCases(result, result.analysis, latestCalibration(flags.out, loaded.name)), flags.inconclusive, failures.length > 0);
        result.gate = { verdict: outcome.verdict, exitCode: outcome.exitCode, inconclusivePolicy: flags.inconclusive, cases: outcome.cases };
        writeResultAtomic(outPath, result);
        process.stdout.write(`\n${renderGateText(outcome)}`);
        emitGateOutputs(loaded.name, outcome, flags);
        gateExit = Math.max(gateExit ?? 0, outcome.exitCode);
      }
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (controller.signal.aborted) {
    process.stderr.write('Interrupted: the result file keeps every run that finished.\n');
    return ExitCode.interrupted;
  }
  // A broken run (4) outranks any verdict; otherwise the gate decides.
  return exitCode === ExitCode.runBroke ? exitCode : (gateExit ?? exitCode);
}

/** A budget tighter than what the scenario's rounds can detect will likely stay inconclusive: say so, with a plan. */
function warnBudgetsBelowNoise(loaded: LoadedScenario, outDir: string, rounds: number | 'auto', progress: Progress): void {
  const relative = loaded.budgets.filter((b) => b.kind === 'relative');
  if (!relative.length) return;
  const calibration = latestCalibration(outDir, loaded.name);
  if (!calibration) {
    progress.message(`Tip: "apm-bench calibrate ${loaded.file}" measures the noise floor, so budgets can be checked against what ${rounds} rounds can detect.`);
    return;
  }
  const n = rounds === 'auto' ? loaded.scenario.workload.autoRounds.max : rounds;
  for (const budget of relative) {
    const entry = calibration.metrics[budget.metric];
    if (!entry) continue;
    const mde = minimumDetectableEffect(entry.logRatioSD, n);
    if (budget.limit < mde) {
      const needed = pairsToDetect(entry.logRatioSD, budget.limit);
      progress.message(
        `Warning: budget ${budget.config} ${budget.text} is below what ${n} rounds detect on this machine (≥ ${(mde * 100).toFixed(1)}%); ` +
        `unless the overhead is far from it, expect "inconclusive"${needed ? ` (≈ ${needed} rounds would tell it from no overhead)` : ''}.`,
      );
    }
  }
}

function relativeToCwd(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path;
}

