import type { Command } from 'commander';
import { bisect } from '../commands/bisect.js';
import { renderBisect, stepText } from '../report/bisect.js';
import { InputError } from '../errors.js';
import { exitCodes, Output } from './output.js';
import { interrupts, Progress } from './progress.js';

export function defineBisect(program: Command): void {
  program
    .command('bisect')
    .description('Find the first agent version that breaks a budget: a binary search over the versions between a good and a bad one, each measured beside ' +
      'the baseline.')
    .argument('<scenario>', 'the scenario whose target, workload and baseline every step uses; it lists the agent once (one sample rate)')
    .requiredOption('--agent <name>', 'the agent to bisect: its package (dd-trace, @sentry/node, prom-client, newrelic), its vendor (datadog) or its entry\'s name')
    .requiredOption('--good <version>', 'a version within the budget (trusted, as in git bisect)')
    .requiredOption('--bad <version>', 'a later version over it')
    .requiredOption('--budget <metric:limit>', 'the budget the bad version breaks, e.g. "cpu:+10%", "p99:+2ms", "rss:+32MB"')
    .option('--versions <list>', 'the versions to search, comma-separated, instead of those published on the npm registry (required for a custom preload, ' +
      'which reads APM_BENCH_AGENT_VERSION)')
    .option('-r, --rounds <n>', 'rounds per step (default: the scenario\'s)')
    .option('-o, --out <dir>', 'directory for the result file of every step', 'reports')
    .option('--json', 'print one JSON document: the versions, every step with its verdict and CI, and the answer')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
Each step installs the version into the agent cache (once; offline after) and
runs a session of the scenario with two configs, the baseline and the agent at
that version, co-scheduled as in "run". A step is judged like a gate budget
(fail: the CI is wholly over it; pass: wholly within it). An inconclusive step
stops the search and says which range is left: add rounds and bisect that.
Each step's false-fail and false-pass rates are at most 2.5%.

Examples:
  $ apm-bench bisect scenarios/upgrade.yaml --agent dd-trace --good 5.120.0 --bad 5.132.0 --budget cpu:+10%
  $ apm-bench bisect my-service.yaml --agent @sentry/node --good 10.20.0 --bad 10.75.3 --budget p99:+2ms --rounds 6
  $ apm-bench bisect my-service.yaml --agent my-tracer --versions 1.0.0,1.1.0,1.2.0 --good 1.0.0 --bad 1.2.0 --budget cpu:+5%
${exitCodes([0, 2, 3, 4, 130], 'the first version over the budget is named (or the bad end is within it)')}`)
    .action(async (file: string, flags) => {
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const rounds = flags.rounds === undefined ? undefined : Number(flags.rounds);
      if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 500)) {
        throw new InputError(`--rounds: expected a whole number from 1 to 500, got "${flags.rounds}".`);
      }
      const versions = flags.versions === undefined ? undefined : String(flags.versions).split(',').map((v) => v.trim()).filter(Boolean);
      const progress = new Progress(process.stderr, output.quiet);
      const { signal, release } = interrupts(progress);
      try {
        const outcome = await bisect({ file, agent: flags.agent, good: flags.good, bad: flags.bad, budget: flags.budget, out: flags.out, ...(rounds ? { rounds } : {}),
          ...(versions ? { versions } : {}) }, {
          signal,
          onNote: (text) => progress.message(text),
          onStep: (version, remaining) => progress.message(`bisect: measuring ${version} (${remaining.length} version${remaining.length === 1 ? '' : 's'} left to ` +
            `search: ${remaining.length > 6 ? `${remaining.slice(0, 3).join(', ')} … ${remaining.slice(-2).join(', ')}` : remaining.join(', ') || 'the bad end'})`),
          onUnitStart: (unit, total) => progress.unitStart(unit, total, rounds ?? 0),
          onPhase: (unit, phase, ms) => progress.setPhase(unit, phase, ms),
          onUnitEnd: (_unit, samples) => progress.unitEnd(samples),
          onStepEnd: (step) => progress.message(`  ${stepText(step)}`),
        });
        progress.stop();
        output.result(renderBisect(outcome));
        output.document(outcome);
        process.exitCode = outcome.exitCode;
      } finally {
        progress.stop();
        release();
      }
    });
}
