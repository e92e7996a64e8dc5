import type { Command } from 'commander';
import { pricingInForce } from '../commands/pricing.js';
import { renderPricing } from '../report/text.js';
import { exitCodes, Output } from './output.js';

export function definePricing(program: Command): void {
  program
    .command('pricing')
    .description('List every price the cost model uses: value, unit, source, URL, the date it was read, and its age; flags prices older than 6 months.')
    .option('--pricing <file>', 'your pricing YAML, deep-merged over pricing/default.yaml (its values are marked "yours")')
    .option('--json', 'print the prices as one JSON document')
    .option('-q, --quiet', 'print only stale prices')
    .addHelpText('after', `
Examples:
  $ apm-bench pricing
  $ apm-bench pricing --pricing contract.yaml
  $ apm-bench pricing --json | jq '.prices[] | select(.stale)'
${exitCodes([0, 2], 'the prices were listed')}`)
    .action((flags: { pricing?: string; json?: boolean; quiet?: boolean }) => {
      const today = new Date().toISOString().slice(0, 10);
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const { pricing, file, entries } = pricingInForce(flags.pricing, today);
      if (flags.quiet && !flags.json) {
        for (const e of entries.filter((x) => x.stale)) process.stdout.write(`${e.path}: ${e.value} ${e.unit}, as of ${e.asOf} (${e.ageMonths} months)\n`);
      } else {
        output.result(renderPricing(pricing, entries, today, file));
      }
      output.document({ version: pricing.pricing_version, file, today, prices: entries });
      process.exitCode = 0;
    });
}
