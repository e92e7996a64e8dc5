import { measuresFromResult } from '../cost/measures.js';
import { loadPricing, type Pricing } from '../cost/pricing.js';
import { projectConfig, type CostOptions } from '../cost/project.js';
import { readResult } from '../samples/result.js';
import { InputError } from './errors.js';

export interface CostFlags {
  requests: string;
  instance: string;
  instances: string;
  utilization: string;
  sentryPlan: string;
  indexedFraction: string;
  pricing?: string;
}

/** "500M", "1.2B", "750k" or a plain number of requests per month. */
export function parseCount(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*(?:\/\s*month)?\s*$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * ({ '': 1, k: 1e3, m: 1e6, b: 1e9 } as Record<string, number>)[match[2]!.toLowerCase()]!;
}

const usd = (n: number) => `$${Math.round(n).toLocaleString('en-US')}`;

export const defaultCostFlags: CostFlags = {
  requests: '500M', instance: 'm7i.large', instances: '4', utilization: '0.6', sentryPlan: 'team', indexedFraction: '0.01',
};

/** Validate the cost flags against the pricing file; every bad value is an input error. */
export function costSetup(flags: CostFlags): { options: CostOptions; pricing: Pricing } {
  const requestsPerMonth = parseCount(flags.requests);
  if (requestsPerMonth === undefined) throw new InputError(`--requests: expected requests per month like "500M", got "${flags.requests}".`);
  const instances = Number(flags.instances);
  const targetUtilization = Number(flags.utilization);
  const datadogIndexedFraction = Number(flags.indexedFraction);
  if (!Number.isInteger(instances) || instances < 1) throw new InputError(`--instances: expected a whole number ≥ 1, got "${flags.instances}".`);
  if (!(targetUtilization > 0 && targetUtilization <= 1)) throw new InputError(`--utilization: expected a fraction in (0, 1], got "${flags.utilization}".`);
  if (!(datadogIndexedFraction >= 0 && datadogIndexedFraction <= 1)) throw new InputError(`--indexed-fraction: expected a fraction in [0, 1], got "${flags.indexedFraction}".`);
  const pricing = loadPricing(flags.pricing);
  if (!pricing.compute.instances[flags.instance]) {
    throw new InputError(`--instance: "${flags.instance}" is not in the pricing file; known: ${Object.keys(pricing.compute.instances).join(', ')}.`);
  }
  if (!pricing.sentry.plans[flags.sentryPlan]) {
    throw new InputError(`--sentry-plan: "${flags.sentryPlan}" is not in the pricing file; known: ${Object.keys(pricing.sentry.plans).join(', ')}.`);
  }
  return {
    pricing,
    options: { requestsPerMonth, deployment: { instanceType: flags.instance, instances, targetUtilization }, sentryPlan: flags.sentryPlan, datadogIndexedFraction },
  };
}

/** `apm-bench cost result.json`: the monthly bill of each config under a traffic profile, without re-running. */
export function costCommand(file: string, flags: CostFlags): number {
  const { options, pricing } = costSetup(flags);
  const { deployment: { instances, targetUtilization }, datadogIndexedFraction } = options;
  const result = readResult(file);
  const costs = measuresFromResult(result).map((measure) => projectConfig(measure, options, pricing));
  const out: string[] = [
    `Monthly cost against ${result.scenario.baseline}, ${flags.requests} requests/month on ${instances}× ${flags.instance} at ${targetUtilization * 100}% target CPU`,
    `(pricing ${pricing.pricing_version}; low–high carries the CPU confidence interval)`,
    '',
  ];
  for (const cost of costs) {
    out.push(`${cost.config}: ${usd(cost.totalUsd)}/month (${usd(cost.lowUsd)}–${usd(cost.highUsd)}), +${cost.extraInstances.toFixed(2)} instances of CPU`);
    for (const line of [...cost.infrastructure, ...cost.vendor]) out.push(`    ${line.label.padEnd(26)} ${usd(line.usd).padStart(9)}   ${line.formula}`);
  }
  const sources = new Set<string>();
  const collect = (node: unknown): void => {
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.source === 'string') sources.add(`${record.source} (${String(record.kind)})`);
      else Object.values(record).forEach(collect);
    }
  };
  collect(pricing);
  out.push('', `Prices from: ${[...sources].join('; ')}.`);
  out.push(`Assumptions: ${datadogIndexedFraction * 100}% of kept Datadog spans indexed (--indexed-fraction); memory priced at Fargate GB-hours; Grafana Pro keeps the free series allowance.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
