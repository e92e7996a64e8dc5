import { dirname } from 'node:path';
import type { Command } from 'commander';
import { reportFile } from '../commands/report.js';
import { withCostOptions } from './options.js';
import { exitCodes, Output } from './output.js';

export function defineReport(program: Command): void {
  withCostOptions(program
    .command('report')
    .description('Re-render the reports (HTML with charts, Markdown, and the JSON result) from a saved result, without re-running.')
    .argument('<result>', 'a result JSON written by "run"')
    .option('-o, --out <dir>', 'directory for the reports (default: next to the result)')
    .option('--json', 'print the paths written as one JSON document')
    .option('-q, --quiet', 'print nothing on success'))
    .addHelpText('after', `
Writes <name>.html (self-contained: charts rendered to SVG, no script, opens offline
and prints), <name>.md (for pull requests) and <name>.json (the result itself).
Both reports open with one sentence per config, then the overhead with CIs and
verdicts, latency percentiles, CPU against sample rate, memory, telemetry volume,
the monthly cost with the formula behind every dollar, a claims check against the
seed guides, and the machine and method. The cost options are those of "cost".

Examples:
  $ apm-bench report reports/quick-20261123-101500.json
  $ apm-bench report reports/quick-20261123-101500.json --traffic 2B --out site/
${exitCodes([0, 2], 'the reports were written')}`)
    .action(async (file: string, flags) => {
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const written = await reportFile(file, { ...flags, out: flags.out ?? dirname(file) });
      if (!flags.quiet) output.result(`HTML:     ${written.html}\nMarkdown: ${written.markdown}\nJSON:     ${written.json}\n`);
      output.document(written);
      process.exitCode = 0;
    });
}
