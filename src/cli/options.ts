import { Option, type Command } from 'commander';

/** The traffic, deployment and pricing options shared by `cost` and `report`. */
export function withCostOptions(command: Command): Command {
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
    .option('--error-indexed-fraction <f>', 'share of Datadog error spans indexed by the "Error Default" retention filter', '1')
    .addOption(new Option('--sentry-billing <how>', 'Sentry volume bought pay-as-you-go or reserved (prepaid, cheaper)').choices(['payg', 'reserved']).default('payg'))
    .option('--scrape-interval <time>', 'production Prometheus scrape interval: sets Grafana Cloud data points per minute', '15s')
    .option('--newrelic-seats <n>', 'New Relic full platform users (priced from newrelic.fullPlatformUserMonthly in --pricing)', '0')
    .option('--pricing <file>', 'your pricing YAML, deep-merged over pricing/default.yaml');
}

/** The same option for the gate of run and compare. */
export const inconclusiveOption = () =>
  new Option('--inconclusive <policy>', 'exit code for inconclusive verdicts: pass (0), fail (1) or error (3)').choices(['pass', 'fail', 'error']).default('error');
