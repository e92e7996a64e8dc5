import { Option, type Command } from 'commander';
import { calibrateFile } from '../commands/calibrate.js';
import { ExitCode } from '../errors.js';
import { renderAnalysis } from '../report/analysis-text.js';
import { renderCalibration } from '../report/text.js';
import { exitCodes, Output } from './output.js';
import { interrupts, Progress } from './progress.js';

export function defineCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('Measure this machine\'s noise floor for a scenario: its baseline beside its own twin (A/A), and beside a no-op preload.')
    .argument('<scenario>', 'scenario YAML file (its workload and baseline are used)')
    .addOption(new Option('-o, --out <dir>', 'directory for the calibration result').default('reports'))
    .option('-r, --rounds <n>', 'rounds (A/A pairs) to measure', '10')
    .option('--agents <configs>', 'also measure these configs of the scenario beside their baselines ("datadog@1,sentry@1", or "all"): each one\'s own ' +
      'spread, and the rounds that resolve a 5% change for it')
    .option('--neighbour', 'also measure the A/A twin and each --agents config while a synthetic neighbour runs (one process per CPU, busy 10 ms of every ' +
      '20 ms, at the targets\' priority), in pairs interleaved with the quiet ones: how far each one\'s ratio moves on a busy machine')
    .option('--json', 'print one JSON document (result file, per-metric spread and detectable effects) on stdout')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
Uses the scenario's workload and design. Prints the spread of identical pairs
(SD of the per-pair log CPU ratio) and the smallest overhead the scenario can
detect with 3, 5, 10, 20 or 30 rounds (95% confidence, 80% power, Student t).
"run" reads the newest calibration in the same --out directory and warns when a
budget is tighter than what its rounds can detect.

Examples:
  $ apm-bench calibrate scenarios/quick.yaml
  $ apm-bench calibrate scenarios/realistic.yaml --rounds 20
  $ apm-bench calibrate scenarios/quick.yaml --agents datadog@1,sentry@1
  $ apm-bench calibrate scenarios/quick.yaml --agents datadog@1 --neighbour
  $ apm-bench calibrate scenarios/quick.yaml --json | jq '.calibration.metrics.cpuMsPerRequest'
${exitCodes([0, 2, 4, 130], 'the noise floor was measured')}`)
    .action(async (file: string, flags: { out: string; rounds: string; agents?: string; neighbour?: boolean; quiet?: boolean; json?: boolean }) => {
      process.exitCode = await calibrate(file, flags);
    });
}

async function calibrate(file: string, flags: { out: string; rounds: string; agents?: string; neighbour?: boolean; quiet?: boolean; json?: boolean }): Promise<number> {
  const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
  const progress = new Progress(process.stderr, output.quiet);
  // SIGINT or SIGTERM: the current pair is cleaned up and the result keeps the pairs finished (a second one stops at once).
  const { signal, release } = interrupts(progress);
  const rounds = Number(flags.rounds);
  try {
    const neighbour = flags.neighbour ? ', quiet and under a synthetic neighbour' : '';
    progress.message(`Calibrating ${file}: its baseline beside its own twin and beside a no-op preload${neighbour}, ${flags.rounds} rounds.`);
    const { result, outPath, scenarioRounds } = await calibrateFile(file, flags, {
      signal,
      onUnitStart: (unit, total) => progress.unitStart(unit, total, rounds),
      onPhase: (unit, phase, ms) => progress.setPhase(unit, phase, ms),
      onUnitEnd: (_unit, samples) => progress.unitEnd(samples),
    });
    progress.stop();
    output.result(`\n${renderCalibration(result.calibration!, scenarioRounds)}`);
    if (result.analysis) output.result(`\n${renderAnalysis(result.analysis)}`);
    output.result(`\nResult: ${outPath}\n`);
    const exitCode = signal.aborted ? ExitCode.interrupted : Object.keys(result.calibration!.metrics).length ? ExitCode.ok : ExitCode.runBroke;
    output.document({ resultFile: outPath, status: result.status, calibration: result.calibration, exitCode });
    return exitCode;
  } finally {
    progress.stop();
    release();
  }
}
