import type { Command } from 'commander';
import { compareFiles } from '../commands/compare.js';
import { renderGateText } from '../report/ci.js';
import { renderComparison } from '../report/text.js';
import { inconclusiveOption } from './options.js';
import { exitCodes, Output } from './output.js';

export function defineCompare(program: Command): void {
  program
    .command('compare')
    .description('Regression check of a new result against a saved one (e.g. main\'s artifact): did any config get more expensive?')
    .argument('<base>', 'the saved result JSON (before)')
    .argument('<head>', 'the new result JSON (after)')
    .option('--max-regression <pct>', 'fail when a config\'s overhead grew by clearly more than this', '10%')
    .option('--metrics <list>', 'metrics to compare: cpu, rss, elu, p50, p99', 'cpu')
    .option('--junit <file>', 'write JUnit XML')
    .option('--markdown <file>', 'write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)')
    .addOption(inconclusiveOption())
    .option('--json', 'print one JSON document: per config and metric, base and head overhead, the change and its verdict')
    .option('-q, --quiet', 'no warnings; only the comparison')
    .addHelpText('after', `
Only same-run ratios are compared: each config's overhead against the baseline
of its own result. Absolute numbers from different machines or Node versions do
not transfer, and comparing such results prints a loud warning.

Examples:
  $ apm-bench compare main-artifact/quick.json reports/quick-20261123-101500.json
  $ apm-bench compare base.json head.json --max-regression 5% --metrics cpu,p99
  $ apm-bench compare base.json head.json --json | jq .verdict
${exitCodes([0, 1, 2, 3], 'no config regressed beyond --max-regression')}`)
    .action((basePath: string, headPath: string, flags) => {
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const { comparison, outcome, annotations } = compareFiles({ ...flags, basePath, headPath });
      for (const warning of comparison.warnings) {
        output.note(`WARNING: ${warning}. Absolute numbers do not transfer; only same-run overhead ratios are compared.\n`);
      }
      output.result(`${renderComparison(basePath, headPath, comparison)}\n${renderGateText(outcome)}`);
      if (annotations) (output.json ? process.stderr : process.stdout).write(`${annotations}\n`);
      output.document({ base: basePath, head: headPath, verdict: outcome.verdict, exitCode: outcome.exitCode, warnings: comparison.warnings, comparison, cases: outcome.cases });
      process.exitCode = outcome.exitCode;
    });
}
