import type { Command } from 'commander';
import { z } from 'zod';
import { validateFiles, type Validation } from '../commands/validate.js';
import { ExitCode, UserError } from '../errors.js';
import { loadScenario } from '../scenario/load.js';
import { formatDuration } from '../samples/units.js';
import { scenarioSchema } from '../scenario/schema.js';
import { exitCodes, Output } from './output.js';

export function defineValidate(program: Command): void {
  program
    .command('validate')
    .description('Check scenario files without running anything: every check a run makes before its first request.')
    .argument('<scenario...>', 'scenario YAML files ("-" reads one from stdin)')
    .option('--json', 'print one JSON document (per file: ok, problems, configs, agent versions, time estimate) on stdout')
    .option('-q, --quiet', 'print only the problems (and, with --json, the document)')
    .option('--preflight', 'also start each valid scenario\'s baseline once and send every route a few times, as run does before its session')
    .addHelpText('after', `
Checks the schema and bounds, cross-field rules, that files, preloads and the
start command exist, that node options open nothing beyond loopback, that route
bodies can be sent, that nothing exports off this machine, and the budgets. For
each valid file it prints the plan, the time it will take, and the agent
versions that will be measured, with where each comes from: "the app" is its
own node_modules (what production runs); when the app has none, apm-bench's
agent cache at the version apm-bench is tested with (installed on the first
run; installing apm-bench adds no agent to your app).
Every file is checked and every problem reported. With --preflight it also
starts the baseline once and refuses what would fail every run: a 429 (with
the app's setting that lifts its limit), a 401/403, a 5xx, no answer, a start
command that exits, or one whose node starts another node (tsx, nodemon).

Examples:
  $ apm-bench validate scenarios/*.yaml
  $ apm-bench validate my-service.yaml --json | jq '.files[0].agents'
  $ cat scenario.yaml | apm-bench validate -
  $ apm-bench validate apm-bench.yaml --preflight
${exitCodes([ExitCode.ok, ExitCode.input, ExitCode.runBroke], 'every file is valid')}`)
    .action(async (files: string[], flags: { json?: boolean; quiet?: boolean; preflight?: boolean }) => {
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const results = flags.preflight ? await withPreflight(validateFiles(files)) : validateFiles(files);
      for (const r of results) {
        if (r.ok) { if (!output.quiet) output.result(describeValid(r)); }
        else process.stderr.write(`${r.error}${r.bug ? '\nThis is a bug in apm-bench. Re-run with APM_BENCH_DEBUG=1 for the stack trace.' : ''}\n`);
      }
      output.document({ ok: results.every((r) => r.ok), files: results });
      process.exitCode = results.some((r) => !r.ok && r.bug) ? ExitCode.runBroke : results.every((r) => r.ok) ? ExitCode.ok : ExitCode.input;
    });

  program
    .command('schema')
    .description('Print the scenario JSON Schema (for editor completion and validation).')
    .addHelpText('after', `
Examples:
  $ apm-bench schema > scenario.schema.json
  # then, as the first line of a scenario:  # yaml-language-server: $schema=./scenario.schema.json
${exitCodes([ExitCode.ok])}`)
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`);
    });
}

/** Each valid file's preflight: a refusal turns it into an invalid one, with the problems as its error. */
async function withPreflight(results: Validation[]): Promise<Validation[]> {
  const checked: Validation[] = [];
  // Loaded only for --preflight: it brings the HTTP client and the session machinery.
  const { refuseUnlessReady } = await import('../commands/run.js');
  for (const r of results) {
    if (!r.ok) { checked.push(r); continue; }
    try {
      await refuseUnlessReady(loadScenario(r.file));
      checked.push({ ...r, preview: `${r.preview} Preflight passed: every route answered as expected.` });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      checked.push({ file: r.file, ok: false, error: error.message });
    }
  }
  return checked;
}

function describeValid(r: Extract<Validation, { ok: true }>): string {
  const agents = r.agents.map((a) => `  ${a.config}: ${a.package} ${a.version} from ${fromText(a)} (${a.dir})`);
  const runtimes = r.runtimes.map((rt) => `  ${rt.label}: Node ${rt.spec} ` +
    `${rt.installed === undefined ? `(this process's, ${rt.execPath})` : `from the agent cache${rt.installed ? '' : ', installed on the first run'} (${rt.execPath})`}`);
  return `${r.file}: ok — ${r.preview}\n${[...agents, ...runtimes].map((line) => `${line}\n`).join('')}` +
    (r.estimatedMs > 3_600_000 ? `  note: about ${formatDuration(Math.round(r.estimatedMs / 60_000) * 60_000)} of load.\n` : '');
}

function fromText(agent: { from: string; why?: string; installed?: boolean }): string {
  if (agent.from === 'target') return 'the app';
  const first = agent.installed ? '' : ', installed on the first run';
  if (agent.from === 'cache' && agent.why === 'tested') return `apm-bench's agent cache, the version apm-bench is tested with: the app has none${first}`;
  if (agent.from === 'cache') return `the agent cache, the version the scenario pins${first}`;
  return 'apm-bench\'s own development copy: the app has none';
}
