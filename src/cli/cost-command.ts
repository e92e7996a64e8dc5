import { measuresFromResult } from '../cost/measures.js';
import { loadPricing, pricingSources, type Pricing } from '../cost/pricing.js';
import { instancePrice, projectConfig, type CostOptions } from '../cost/project.js';
import { parseTraffic, type TrafficProfile } from '../cost/traffic.js';
import { usd } from '../report/input.js';
import { readResult } from '../samples/result.js';
import { InputError } from '../errors.js';

export interface CostFlags {
  traffic: string;
  /** Older spelling of --traffic (requests per month). */
  requests?: string;
  instance: string;
  instances: string;
  vcpu?: string;
  memory?: string;
  utilization: string;
  datadogPlan?: string;
  sentryPlan: string;
  indexedFraction: string;
  pricing?: string;
}

export const defaultCostFlags: CostFlags = {
  traffic: '500M', instance: 'm7i.large', instances: '4', utilization: '0.6', sentryPlan: 'team', indexedFraction: '0.01',
};

export interface CostSetup {
  options: CostOptions;
  pricing: Pricing;
  traffic: TrafficProfile;
}

function positive(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0)) throw new InputError(`${flag}: expected a number above 0, got "${text}".`);
  return value;
}

/** Validate the cost flags against the pricing file; every bad value is an input error. */
export function costSetup(flags: CostFlags): CostSetup {
  const pricing = loadPricing(flags.pricing);
  const trafficText = flags.requests ?? flags.traffic;
  const traffic = parseTraffic(trafficText, pricing.hoursPerMonth.value);
  if ('error' in traffic) throw new InputError(`--traffic: ${traffic.error}. Examples: "500M" (per month), "190rps" (average), "190rps,peak=800rps".`);
  const instances = Number(flags.instances);
  const targetUtilization = Number(flags.utilization);
  const datadogIndexedFraction = Number(flags.indexedFraction);
  if (!Number.isInteger(instances) || instances < 1) throw new InputError(`--instances: expected a whole number ≥ 1, got "${flags.instances}".`);
  if (!(targetUtilization > 0 && targetUtilization <= 1)) throw new InputError(`--utilization: expected a fraction in (0, 1], got "${flags.utilization}".`);
  if (!(datadogIndexedFraction >= 0 && datadogIndexedFraction <= 1)) throw new InputError(`--indexed-fraction: expected a fraction in [0, 1], got "${flags.indexedFraction}".`);
  if (flags.instance !== 'fargate' && !pricing.compute.instances[flags.instance]) {
    throw new InputError(`--instance: "${flags.instance}" is not in the pricing file; known: fargate, ${Object.keys(pricing.compute.instances).join(', ')}.`);
  }
  if (flags.instance !== 'fargate' && (flags.vcpu || flags.memory)) {
    throw new InputError(`--vcpu and --memory size a Fargate task (--instance fargate); ${flags.instance}'s size is in the pricing file.`);
  }
  const datadogPlan = flags.datadogPlan ?? 'apm';
  if (!pricing.datadog.plans[datadogPlan]) {
    throw new InputError(`--datadog-plan: "${datadogPlan}" is not in the pricing file; known: ${Object.keys(pricing.datadog.plans).join(', ')}.`);
  }
  if (!pricing.sentry.plans[flags.sentryPlan]) {
    throw new InputError(`--sentry-plan: "${flags.sentryPlan}" is not in the pricing file; known: ${Object.keys(pricing.sentry.plans).join(', ')}.`);
  }
  const vcpu = positive('--vcpu', flags.vcpu);
  const memoryGiB = positive('--memory', flags.memory?.replace(/\s*gi?b$/i, ''));
  return {
    pricing,
    traffic,
    options: {
      requestsPerMonth: traffic.requestsPerMonth,
      ...(traffic.peakRps !== undefined ? { peakRps: traffic.peakRps } : {}),
      deployment: { instanceType: flags.instance, instances, targetUtilization, ...(vcpu ? { vcpu } : {}), ...(memoryGiB ? { memoryGiB } : {}) },
      sentryPlan: flags.sentryPlan,
      datadogPlan,
      datadogIndexedFraction,
    },
  };
}

/** `apm-bench cost result.json`: the monthly bill of each config under a traffic profile, without re-running. */
export function costCommand(file: string, flags: CostFlags): number {
  const { options, pricing, traffic } = costSetup(flags);
  const { deployment, datadogIndexedFraction } = options;
  const result = readResult(file);
  const costs = measuresFromResult(result).map((measure) => projectConfig(measure, options, pricing));
  const sizing = options.peakRps !== undefined ? 'a fleet sized for the peak' : 'autoscaled vCPU-hours';
  const out: string[] = [
    `Monthly cost against ${result.scenario.baseline}: ${traffic.text}`,
    `on ${deployment.instances}× ${instancePrice(deployment, pricing).label} at ${deployment.targetUtilization * 100}% target CPU, extra compute as ${sizing}`,
    `(pricing ${pricing.pricing_version}; low–high carries the CPU confidence interval)`,
    '',
  ];
  for (const cost of costs) {
    out.push(`${cost.config}: ${usd(cost.totalUsd)}/month (${usd(cost.lowUsd)}–${usd(cost.highUsd)}), +${cost.extraInstances.toFixed(2)} instances of CPU`);
    for (const line of [...cost.infrastructure, ...cost.vendor]) out.push(`    ${line.label.padEnd(26)} ${usd(line.usd).padStart(9)}   ${line.formula}`);
  }
  out.push('', `Prices from: ${pricingSources(pricing).join('; ')}.`);
  out.push(`Assumptions: ${datadogIndexedFraction * 100}% of kept Datadog spans indexed (--indexed-fraction); Grafana Pro keeps the free series allowance.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
