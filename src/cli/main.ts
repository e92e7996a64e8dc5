import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { scenarioSchema } from '../scenario/schema.js';
import { loadScenario } from '../scenario/load.js';
import { sessionPreview, toolVersion } from '../run/session.js';
import { ExitCode, UserError } from '../errors.js';
import { runCommand } from './run-command.js';
import { calibrateCommand } from './calibrate-command.js';
import { compareCommand } from './compare-command.js';
import { costCommand } from './cost-command.js';
import { reportCommand } from './report-command.js';
import { dirname } from 'node:path';

const exitCodesHelp = `
Exit codes:
  0    every run finished (with --gate / compare: every budget passed)
  1    a budget failed, or compare found a regression
  2    usage or input error (bad flag, bad scenario file): nothing was run
  3    inconclusive: the noise is too large to decide (see --inconclusive)
  4    the run itself broke (target never ready, crashed, no valid runs)
  130  interrupted (Ctrl-C); the result file keeps the finished runs`;

/** The traffic, deployment and pricing options shared by `cost` and `report`. */
function withCostOptions(command: Command): Command {
  return command
    .option('--traffic <profile>', 'requests per month ("500M"), or an average rate ("190rps"), optionally with a peak ("190rps,peak=800rps")', '500M')
    .addOption(new Option('--requests <n>', 'older spelling of --traffic').hideHelp())
    .option('--instance <type>', 'instance type in the pricing file, or "fargate"', 'm7i.large')
    .option('--instances <n>', 'instances serving the traffic (also the Datadog host count)', '4')
    .option('--vcpu <n>', 'with --instance fargate: vCPUs per task (default 1)')
    .option('--memory <GiB>', 'with --instance fargate: memory per task in GiB (default 2)')
    .option('--utilization <f>', 'CPU utilisation instances are sized for', '0.6')
    .option('--datadog-plan <plan>', 'Datadog APM plan in the pricing file: apm, pro, enterprise', 'apm')
    .option('--sentry-plan <plan>', 'Sentry plan in the pricing file', 'team')
    .option('--indexed-fraction <f>', 'share of kept Datadog spans indexed by retention filters', '0.01')
    .option('--pricing <file>', 'your pricing YAML, deep-merged over pricing/default.yaml');
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('apm-bench')
    .exitOverride()
    .description('Measure what an APM agent costs a Fastify service before you roll it out:\nCPU per request, memory, event loop, latency and telemetry volume, per instrumentation config, under identical load.')
    .version(toolVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  $ apm-bench run scenarios/quick.yaml           measure the bundled fixture: none vs. agents
  $ apm-bench run scenarios/*.yaml --rounds 10   more rounds, narrower confidence intervals
  $ apm-bench validate my-scenario.yaml          check a scenario without running it
${exitCodesHelp}`);

  program
    .command('run')
    .description('Run scenarios: each config beside its own fresh baseline, at a fixed offered rate, paired.')
    .argument('<scenario...>', 'scenario YAML files')
    .addOption(new Option('-o, --out <dir>', 'directory for result files').default('reports'))
    .option('-r, --rounds <n>', 'override the scenario\'s number of rounds, or "auto" (add rounds until every verdict is decided, up to workload.autoRounds.max)')
    .option('-q, --quiet', 'no progress output; only the final table')
    .option('--gate', 'judge the budgets and exit 0/1/3 (see exit codes)')
    .option('--budgets <file>', 'a budgets YAML shared by several scenarios (added to each scenario\'s own)')
    .option('--junit <file>', 'with --gate: write JUnit XML, one test case per config × budget')
    .option('--markdown <file>', 'with --gate: write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)')
    .addOption(new Option('--inconclusive <policy>', 'exit code for inconclusive verdicts: pass (0), fail (1) or error (3)').choices(['pass', 'fail', 'error']).default('error'))
    .addHelpText('after', `
How it measures (workload.design: co-scheduled, the default):
  Every round runs one pair per config: a fresh baseline and a fresh candidate
  at the same time, both pinned to the target CPU, under the same open-loop
  schedule (same instants, same route sequence). The machine's noise is common
  to both and cancels in their ratio. CPU per request is the target's own
  process.cpuUsage() (µs, every thread) over the shared window; latency is
  measured from the intended send time, in a solo phase per side with its
  partner stopped. Priming (closed loop) and a warm-up are discarded. Changes
  are medians of per-pair ratios with 95% CIs. A run answering more than 2%
  short of the offered rate is saturated and excluded.
  design: sequential runs one target at a time instead (an app that needs a
  fixed port, or a config that saturates a shared core).
  workload.rates: [100, 400] fits cpu ms/s = fixed + marginal × rate.
  The result is written to <out>/<scenario>-<time>.json after every pair.

Examples:
  $ apm-bench run scenarios/quick.yaml
  $ apm-bench run scenarios/quick.yaml --rounds 5 --out /tmp/results
  $ CI=1 apm-bench run scenarios/quick.yaml --quiet
  $ apm-bench run scenarios/quick.yaml --gate --budgets budgets.yaml --junit reports/junit.xml

Budgets (in the scenario or a --budgets file):
  budgets:
    "datadog@*": { cpu: "+15%", p99: "+2ms", rss: "+64MB" }
  pass = the whole 95% CI is within the budget, fail = the whole CI is over it,
  inconclusive = it straddles the budget, or the budget is below the noise floor
  measured by "apm-bench calibrate".
${exitCodesHelp}`)
    .action(async (files: string[], flags) => {
      process.exitCode = await runCommand(files, flags);
    });

  program
    .command('calibrate')
    .description('Measure this machine\'s noise floor for a scenario: its baseline beside its own twin (A/A), and beside a no-op preload.')
    .argument('<scenario>', 'scenario YAML file (its workload and baseline are used)')
    .addOption(new Option('-o, --out <dir>', 'directory for the calibration result').default('reports'))
    .option('-r, --rounds <n>', 'rounds (A/A pairs) to measure', '10')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
Uses the scenario's workload and design. Prints the spread of identical pairs
(SD of the per-pair log CPU ratio) and the smallest overhead the scenario can
detect with 3, 5, 10, 20 or 30 rounds (95% confidence, 80% power, Student t).
"run" reads the newest calibration in the same --out directory and warns when a
budget is tighter than what its rounds can detect.

Examples:
  $ apm-bench calibrate scenarios/quick.yaml
  $ apm-bench calibrate scenarios/realistic.yaml --rounds 20`)
    .action(async (file: string, flags) => {
      process.exitCode = await calibrateCommand(file, flags);
    });

  program
    .command('compare')
    .description('Regression check of a new result against a saved one (e.g. main\'s artifact): did any config get more expensive?')
    .argument('<base>', 'the saved result JSON (before)')
    .argument('<head>', 'the new result JSON (after)')
    .option('--max-regression <pct>', 'fail when a config\'s overhead grew by more than this (whole CI above it)', '10%')
    .option('--metrics <list>', 'metrics to compare: cpu, rss, elu, p50, p99', 'cpu')
    .option('--junit <file>', 'write JUnit XML')
    .option('--markdown <file>', 'write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)')
    .addOption(new Option('--inconclusive <policy>', 'exit code for inconclusive verdicts: pass (0), fail (1) or error (3)').choices(['pass', 'fail', 'error']).default('error'))
    .addHelpText('after', `
Only same-run ratios are compared: each config's overhead against the baseline
of its own result. Absolute numbers from different machines or Node versions do
not transfer, and comparing such results prints a loud warning.

Examples:
  $ apm-bench compare main-artifact/quick.json reports/quick-20261123-101500.json
  $ apm-bench compare base.json head.json --max-regression 5% --metrics cpu,p99
${exitCodesHelp}`)
    .action((base: string, head: string, flags) => {
      process.exitCode = compareCommand(base, head, flags);
    });

  withCostOptions(program
    .command('cost')
    .description('Project the monthly bill of each config from a saved result, without re-running: extra compute plus the vendor bill from measured volumes.')
    .argument('<result>', 'a result JSON written by "run"'))
    .addHelpText('after', `
Traffic (--traffic):
  500M                  requests per month; extra compute is autoscaled vCPU-hours
  190rps                an average rate (× 730 h a month); the same
  190rps,peak=800rps    a fleet sized for the peak: the extra vCPUs the peak needs, all month

Every line shows its formula inputs (e.g. "0.32 ms/req × 500M req ÷ 0.6 utilisation"),
the low–high range carries the CPU confidence interval, and the pricing version and
sources are printed. Prices: pricing/default.yaml, each with its source and date;
--pricing mine.yaml deep-merges your contract prices over it.

Examples:
  $ apm-bench cost reports/quick-20261123-101500.json --traffic 500M
  $ apm-bench cost reports/quick-20261123-101500.json --traffic 2B --instance c7i.large --instances 12
  $ apm-bench cost reports/quick-20261123-101500.json --traffic 300rps,peak=1200rps --instance fargate --vcpu 1 --memory 2`)
    .action((file: string, flags) => {
      process.exitCode = costCommand(file, flags);
    });

  withCostOptions(program
    .command('report')
    .description('Re-render the reports (HTML with charts, Markdown, and the JSON result) from a saved result, without re-running.')
    .argument('<result>', 'a result JSON written by "run"')
    .option('-o, --out <dir>', 'directory for the reports (default: next to the result)'))
    .addHelpText('after', `
Writes <name>.html (self-contained: charts rendered to SVG, no script, opens offline
and prints), <name>.md (for pull requests) and <name>.json (the result itself).
Both reports open with one sentence per config, then the overhead with CIs and
verdicts, latency percentiles, CPU against sample rate, memory, telemetry volume,
the monthly cost with the formula behind every dollar, a claims check against the
seed guides, and the machine and method. The cost options are those of "cost".

Examples:
  $ apm-bench report reports/quick-20261123-101500.json
  $ apm-bench report reports/quick-20261123-101500.json --traffic 2B --out site/`)
    .action(async (file: string, flags) => {
      process.exitCode = await reportCommand(file, { ...flags, out: flags.out ?? dirname(file) });
    });

  program
    .command('validate')
    .description('Check scenario files (schema, paths, baseline) without running anything.')
    .argument('<scenario...>', 'scenario YAML files')
    .addHelpText('after', `
Examples:
  $ apm-bench validate scenarios/*.yaml
Each problem names the file, line, field and what was expected. Exit 0 when all are valid, 2 otherwise.`)
    .action((files: string[]) => {
      let failed = 0;
      for (const file of files) {
        try {
          const loaded = loadScenario(file);
          process.stdout.write(`${file}: ok — ${sessionPreview(loaded, loaded.scenario.workload.rounds)}\n`);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          failed += 1;
          process.stderr.write(`${error.message}\n`);
        }
      }
      process.exitCode = failed ? ExitCode.input : ExitCode.ok;
    });

  program
    .command('schema')
    .description('Print the scenario JSON Schema (for editor completion and validation).')
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.input;
    }
    if (error instanceof UserError) {
      process.stderr.write(`apm-bench: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `apm-bench: internal error: ${(error as Error)?.message ?? String(error)}\n` +
      'This is a bug in apm-bench. Re-run with APM_BENCH_DEBUG=1 for the stack trace.\n',
    );
    if (process.env.APM_BENCH_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return ExitCode.runBroke;
  }
}
