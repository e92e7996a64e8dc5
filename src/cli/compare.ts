import type { Command } from 'commander';
import { compareFiles } from '../commands/compare.js';
import { renderGateText } from '../report/ci.js';
import { renderComparison } from '../report/text.js';
import { inconclusiveOption, exitCodesHelp } from './options.js';

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
    .addHelpText('after', `
Only same-run ratios are compared: each config's overhead against the baseline
of its own result. Absolute numbers from different machines or Node versions do
not transfer, and comparing such results prints a loud warning.

Examples:
  $ apm-bench compare main-artifact/quick.json reports/quick-20261123-101500.json
  $ apm-bench compare base.json head.json --max-regression 5% --metrics cpu,p99
${exitCodesHelp}`)
    .action((basePath: string, headPath: string, flags) => {
      const { comparison, outcome, annotations } = compareFiles({ ...flags, basePath, headPath });
      for (const warning of comparison.warnings) {
        process.stderr.write(`WARNING: ${warning}. Absolute numbers do not transfer; only same-run overhead ratios are compared.\n`);
      }
      process.stdout.write(`${renderComparison(basePath, headPath, comparison)}\n${renderGateText(outcome)}`);
      if (annotations) process.stdout.write(`${annotations}\n`);
      process.exitCode = outcome.exitCode;
    });
}
