import type { Command } from 'commander';
import { costOfFile } from '../commands/cost.js';
import { renderCostText } from '../report/text.js';
import { withCostOptions } from './options.js';
import { exitCodes, Output } from './output.js';

export function defineCost(program: Command): void {
  withCostOptions(program
    .command('cost')
    .description('Project the monthly bill of each config from a saved result, without re-running: extra compute plus the vendor bill from measured volumes.')
    .argument('<result>', 'a result JSON written by "run"')
    .option('--json', 'print the projection as one JSON document: every bill line with its formula, range and sources')
    .option('-q, --quiet', 'print only the bill'))
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
  $ apm-bench cost reports/quick-20261123-101500.json --traffic 300rps,peak=1200rps --instance fargate --vcpu 1 --memory 2
  $ apm-bench cost reports/quick.json --json | jq '.configs[] | {config, totalUsd}'
${exitCodes([0, 2], 'the bill was projected')}`)
    .action((file: string, flags) => {
      const output = new Output(Boolean(flags.json), Boolean(flags.quiet));
      const { result, setup, costs } = costOfFile(file, flags);
      output.result(renderCostText(result.scenario.baseline, setup.traffic.text, setup.options, setup.pricing, costs, new Date().toISOString().slice(0, 10)));
      const pricing = { version: setup.pricing.pricing_version, currency: setup.pricing.currency };
      output.document({ result: file, traffic: setup.traffic, options: setup.options, pricing, configs: costs });
      process.exitCode = 0;
    });
}
