import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { toolVersion } from '../paths.js';
import { exitCodes, toJson } from './output.js';

type Define = (program: Command) => void;

/**
 * Each command's module, loaded only when it is the one asked for: a `validate` or `cost` need not load the load
 * generator, the HTTP client and the histogram library (the suite starts the CLI hundreds of times). Help and
 * unknown commands load them all. In help order.
 */
const commands: Record<string, () => Promise<Define>> = {
  init: async () => (await import('./init.js')).defineInit,
  run: async () => (await import('./run.js')).defineRun,
  calibrate: async () => (await import('./calibrate.js')).defineCalibrate,
  compare: async () => (await import('./compare.js')).defineCompare,
  bisect: async () => (await import('./bisect.js')).defineBisect,
  cost: async () => (await import('./cost.js')).defineCost,
  report: async () => (await import('./report.js')).defineReport,
  pricing: async () => (await import('./pricing.js')).definePricing,
  validate: async () => (await import('./validate.js')).defineValidate,
};

/** The command the arguments name (the first that is not a flag), when it is one of ours. */
async function definitions(argv: readonly string[]): Promise<Define[]> {
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  // The version needs no command's module.
  if (named === 'version' || (named === undefined && argv.slice(2).some((arg) => arg === '-v' || arg === '--version'))) return [];
  const wanted = named !== undefined && named in commands ? [named] : Object.keys(commands);
  return Promise.all(wanted.map((name) => commands[name]!()));
}

function buildProgram(defines: readonly Define[]): Command {
  const program = new Command();
  program
    .name('apm-bench')
    .exitOverride()
    .description('Measure what an APM agent costs a Fastify service before you roll it out:\nCPU per request, memory, event loop, latency and telemetry volume, per ' +
      'instrumentation config, under identical load.')
    .version(toolVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  $ apm-bench run scenarios/quick.yaml           measure the bundled fixture: none vs. agents
  $ apm-bench run scenarios/*.yaml --rounds 10   more rounds, narrower confidence intervals
  $ apm-bench init ../my-service                 write a starter scenario for your own Fastify app
  $ apm-bench validate my-scenario.yaml          check a scenario without running it
  $ apm-bench bisect scenarios/upgrade.yaml --agent dd-trace --good 5.120.0 --bad 5.132.0 --budget cpu:+10%
                                                 the first agent version over a budget
  $ apm-bench run scenarios/quick.yaml --json | jq .analysis
  $ apm-bench <command> --help                   every command's flags, examples and exit codes

--json prints one document on stdout (run, validate, cost, compare, calibrate,
report); people's text goes to stderr. CI=1 (or no terminal) means plain
progress lines; --quiet means none.
${exitCodes([0, 1, 2, 3, 4, 130], 'success (with --gate / compare: every budget passed)')}`);
  program
    .command('version')
    .description('Print the version of apm-bench and of Node.')
    .option('--json', 'as JSON')
    .addHelpText('after', `\nExamples:\n  $ apm-bench version\n${exitCodes([0])}`)
    .action((flags: { json?: boolean }) => {
      process.stdout.write(flags.json ? `${toJson({ apmBench: toolVersion(), node: process.versions.node })}\n` : `apm-bench ${toolVersion()} (Node ${process.versions.node})\n`);
    });
  for (const define of defines) define(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(await definitions(argv));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error.
      if (error.exitCode === 0) return ExitCode.ok;
      if (argv.includes('--json')) process.stdout.write(`${toJson({ error: { exitCode: ExitCode.input, message: error.message } })}\n`);
      return ExitCode.input;
    }
    if (error instanceof UserError) {
      process.stderr.write(`apm-bench: ${error.message}\n`);
      if (argv.includes('--json')) process.stdout.write(`${toJson({ error: { exitCode: error.exitCode, message: error.message } })}\n`);
      return error.exitCode;
    }
    if (argv.includes('--json')) process.stdout.write(`${toJson({ error: { exitCode: ExitCode.runBroke, message: (error as Error)?.message ?? String(error), bug: true } })}\n`);
    process.stderr.write(
      `apm-bench: internal error: ${(error as Error)?.message ?? String(error)}\n` +
      'This is a bug in apm-bench. Re-run with APM_BENCH_DEBUG=1 for the stack trace.\n',
    );
    if (process.env.APM_BENCH_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return ExitCode.runBroke;
  }
}
