import { Option, type Command } from 'commander';
import { runScenarios, scenarioDocument, type RunRequest, type ScenarioOutcome } from '../commands/run.js';
import { parseReportFormats } from '../commands/project.js';
import { ExitCode, InputError } from '../errors.js';
import { renderAnalysis } from '../report/analysis-text.js';
import { renderAttributionText } from '../report/attribution.js';
import { renderSoakText } from '../report/soak.js';
import { renderGateText } from '../report/ci.js';
import { renderEnvironment, renderTable } from '../report/table.js';
import { inconclusiveOption, withCostOptions } from './options.js';
import { exitCodes, Output } from './output.js';
import { interrupts, Progress } from './progress.js';

export function defineRun(program: Command): void {
  withCostOptions(program
    .command('run')
    .description('Run scenarios: each config beside its own fresh baseline, at a fixed offered rate, paired.')
    .argument('<scenario...>', 'scenario YAML files')
    .addOption(new Option('-o, --out <dir>', 'directory for result files').default('reports'))
    .option('--output <file>', 'the result file itself (one scenario only), instead of <out>/<name>-<time>.json; the reports go beside it')
    .option('-r, --rounds <n>', 'override the scenario\'s number of rounds, or "auto" (add rounds until every verdict is decided, up to workload.autoRounds.max)')
    .option('--rate <req/s>', 'override the offered rate; "100,400" measures both and fits the rate model')
    .option('--duration <time>', 'override the measured window, e.g. "10s"')
    .option('--connections <n>', 'override the most connections per target')
    .option('--soak <time>', 'soak mode: each config runs this long (e.g. "10m") beside its baseline, memory and CPU sampled through it, growth per hour ' +
      'reported (one round unless --rounds)')
    .option('--profile', 'after the rounds, profile each config once more (V8 sampling) and report where the overhead goes, by package; not in the estimates')
    .option('--profile-interval <µs>', 'with --profile: V8\'s sampling interval in µs (coarser intervals miss the first ~interval of work after each idle wake-up)', '50')
    .option('--no-pin', 'leave the target and the load generator to the scheduler instead of pinning them to different CPUs (pinCpus: false); for a machine ' +
      'that other work shares, never for figures you keep')
    .option('--network <mode>', 'isolated: the session runs in a loopback-only network namespace, so no agent or preload can reach another machine (needs ' +
      'root, unshare and ip; otherwise the host network, said in the result); host: the host network, with only the configuration checks', 'isolated')
    .option('--no-preflight', 'skip starting the baseline once to send every route a few times before the session (refused: 429, 401, 5xx, no answer)')
    .option('--report <formats>', 'report files beside the JSON result: md,html (the default), md, html or none', 'md,html')
    .option('--json', 'print one JSON document on stdout (result file, reports, analysis, a row per config, gate); tables go to stderr')
    .option('-q, --quiet', 'no progress output; only the final table')
    .option('--gate', 'judge the budgets and exit 0/1/3 (see exit codes)')
    .option('--budgets <file>', 'a budgets YAML shared by several scenarios (added to each scenario\'s own)')
    .option('--junit <file>', 'with --gate: write JUnit XML, one test case per config × budget')
    .option('--markdown <file>', 'with --gate: write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)')
    .addOption(inconclusiveOption()))
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
  $ apm-bench run scenarios/quick.yaml --rate 150 --duration 5s --output reports/pr.json
  $ apm-bench run scenarios/quick.yaml --profile        then read "Where the overhead goes" in the report
  $ apm-bench run scenarios/soak.yaml                    3-minute soaks: heap growth per hour, intake down
  $ apm-bench run scenarios/quick.yaml --soak 10m        the quick mix, each config soaked 10 minutes
  $ apm-bench run scenarios/quick.yaml --json | jq '.analysis.estimates[] | select(.metric == "cpuMsPerRequest")'
  Overrides are recorded in the result (scenario.overrides). With several
  scenarios, --json prints { "scenarios": [ … ] }.

Budgets (in the scenario or a --budgets file):
  budgets:
    "datadog@*": { cpu: "+15%", p99: "+2ms", rss: "+64MB" }
    "sentry@*": { cost: "$2000/month" }      # the projected bill at --traffic
    "datadog@*": { heapGrowth: "+5MB/h" }     # soak runs only: heap after GC, per hour
  pass = the whole 95% CI is within the budget, fail = the whole CI is over it,
  inconclusive = it straddles the budget, or the budget is below the noise floor
  measured by "apm-bench calibrate".
${exitCodes([0, 1, 2, 3, 4, 130], 'every run finished (with --gate: every budget passed)')}`)
    .action(async (files: string[], flags) => {
      const overrides = { rate: flags.rate, duration: flags.duration, connections: flags.connections, soak: flags.soak, pin: flags.pin };
      if (flags.soak !== undefined && flags.rounds === undefined) flags.rounds = '1';
      const profile = flags.profile ? { intervalUs: Number(flags.profileInterval) } : undefined;
      const reportFormats = parseReportFormats(String(flags.report));
      if (flags.network !== 'isolated' && flags.network !== 'host') throw new InputError(`--network: expected isolated or host, got "${flags.network}".`);
      const request = { ...flags, files, budgetsFile: flags.budgets, overrides, costFlags: flags, reportFormats, ...(profile ? { profile } : {}) };
      process.exitCode = await run(request, new Output(Boolean(flags.json), Boolean(flags.quiet)));
    });
}

function relativeToCwd(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

async function run(request: RunRequest, output: Output): Promise<number> {
  const progress = new Progress(process.stderr, output.quiet);
  const { signal, release } = interrupts(progress);
  let rounds = 0;
  try {
    const { outcomes, exitCode } = await runScenarios(request, {
      signal,
      onScenarioStart: (loaded, preview, warnings) => {
        const w = loaded.scenario.workload;
        rounds = request.rounds === 'auto' || (!request.rounds && w.rounds === 'auto') ? w.autoRounds.max : Number(request.rounds ?? w.rounds);
        progress.message(preview);
        for (const warning of warnings) progress.message(warning);
      },
      onNote: (text) => progress.message(text),
      onUnitStart: (unit, total) => progress.unitStart(unit, total, rounds),
      onPhase: (unit, phase, ms) => progress.setPhase(unit, phase, ms),
      onUnitEnd: (_unit, samples) => progress.unitEnd(samples),
      onScenarioEnd: (outcome) => {
        progress.stop();
        printOutcome(outcome, output);
      },
    });
    const documents = outcomes.map(scenarioDocument);
    output.document(documents.length === 1 ? { ...documents[0], exitCode } : { scenarios: documents, exitCode });
    if (exitCode === ExitCode.interrupted) process.stderr.write('Interrupted: the result file keeps every run that finished.\n');
    return exitCode;
  } finally {
    progress.stop();
    release();
  }
}

function printOutcome(outcome: ScenarioOutcome, output: Output): void {
  const { result } = outcome;
  output.result(`\n${outcome.loaded.name} — ${result.status}\n${renderEnvironment(result)}\n\n${renderTable(result, outcome.rows)}`);
  if (result.analysis) output.result(`\n${renderAnalysis(result.analysis)}`);
  if (result.analysis?.soak) output.result(`\n${renderSoakText(result.analysis)}`);
  if (result.profiling) output.result(`\n${renderAttributionText(result.profiling)}`);
  const written = [outcome.reports?.html, outcome.reports?.markdown].filter((f): f is string => f !== undefined).map(relativeToCwd);
  output.result(outcome.reports
    ? `\nResult: ${relativeToCwd(outcome.outPath)}\n${written.length ? `Report: ${written[0]}${written[1] ? ` (and ${written[1].split('/').pop()})` : ''}\n` : ''}`
    : `\nResult: ${relativeToCwd(outcome.outPath)} (writing the reports failed: ${outcome.reportError}; retry with "apm-bench report")\n`);
  if (outcome.failures.length) process.stderr.write(`\n${outcome.failures.join('\n\n')}\n`);
  if (outcome.noValidRuns) process.stderr.write('\nNo run produced valid measurements.\n');
  if (outcome.gate) output.result(`\n${renderGateText(outcome.gate)}`);
  // GitHub reads workflow commands from either stream; under --json stdout holds only the document.
  if (outcome.annotations) (output.json ? process.stderr : process.stdout).write(`${outcome.annotations}\n`);
}
