import type { Pricing, SentryPlan } from './pricing.js';

/** One line of a bill, with the inputs of its formula so every dollar can be traced. */
export interface CostLine {
  label: string;
  usd: number;
  formula: string;
}

export interface Deployment {
  /** An instance type in the pricing file, or "fargate" (priced per vCPU-hour and GB-hour at the task size). */
  instanceType: string;
  instances: number;
  /** Fargate task size; ignored for instance types, whose size is in the pricing file. */
  vcpu?: number;
  memoryGiB?: number;
  /** The CPU utilisation instances are sized for (0.6 = scale out at 60%). */
  targetUtilization: number;
}

/** What one config cost per request, from a result. Deltas are against the baseline. */
export interface ConfigMeasure {
  config: string;
  kind: string;
  cpuDeltaMsPerRequest: number;
  cpuDeltaMsPerRequestCI?: { low: number; high: number };
  rssDeltaBytes: number;
  spansPerRequest?: number;
  /** Datadog: spans in traces the agent keeps (sampling priority > 0). */
  keptSpansPerRequest?: number;
  bytesPerRequest?: number;
  /** Datadog: wire bytes of kept traces, what the agent forwards and Datadog ingests. */
  keptBytesPerRequest?: number;
  errorEventsPerRequest?: number;
  /** Prometheus: active series one instance exposes. */
  series?: number;
  /**
   * Measured at several offered rates: extra CPU ms/s = fixed + marginal × req/s
   * (per instance), with standard errors and the degrees of freedom of the fit.
   */
  cpuRateModel?: CpuRateModel;
}

export interface CpuRateModel {
  fixedMsPerSecond: number;
  fixedSE: number;
  marginalMsPerRequest: number;
  marginalSE: number;
  /** t quantile for a 95% interval on each coefficient. */
  t: number;
  ratesRps: number[];
}

export interface CostOptions {
  requestsPerMonth: number;
  /** Peak req/s: when set, the extra compute is a fleet sized for the peak instead of autoscaled vCPU-hours. */
  peakRps?: number;
  deployment: Deployment;
  sentryPlan: string;
  /** Datadog APM plan in the pricing file (apm, pro, enterprise); defaults to apm. */
  datadogPlan?: string;
  /** Share of kept Datadog spans indexed by retention filters (an assumption; set it to yours). */
  datadogIndexedFraction: number;
}

export interface ConfigCost {
  config: string;
  infrastructure: CostLine[];
  vendor: CostLine[];
  totalUsd: number;
  /** Total with the CPU delta at the ends of its confidence interval. */
  lowUsd: number;
  highUsd: number;
  extraInstances: number;
}

const fmt = (n: number, digits = 3) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(digits)).toString());
const millions = (n: number) => `${fmt(n / 1e6)}M`;

/** The size and hourly price of one instance (or Fargate task) of the deployment. */
export function instancePrice(deployment: Deployment, pricing: Pricing): { vcpu: number; memoryGiB: number; hourly: number; label: string } {
  if (deployment.instanceType === 'fargate') {
    const vcpu = deployment.vcpu ?? 1;
    const memoryGiB = deployment.memoryGiB ?? 2;
    return {
      vcpu, memoryGiB,
      hourly: vcpu * pricing.compute.fargateVcpuHour.value + memoryGiB * pricing.compute.fargateGBHour.value,
      label: `Fargate ${vcpu} vCPU / ${memoryGiB} GB`,
    };
  }
  const instance = pricing.compute.instances[deployment.instanceType];
  if (!instance) throw new Error(`unknown instance type ${deployment.instanceType}`);
  return { vcpu: instance.vcpu, memoryGiB: instance.memoryGiB, hourly: instance.hourly.value, label: deployment.instanceType };
}

/**
 * Extra compute from a rate model: each instance serves traffic ÷ instances
 * req/s and pays fixed + marginal × that rate in CPU ms per second, so an
 * agent's per-second costs are not stretched or squeezed by a linear ms/request
 * extrapolation. Autoscaled (no peak): at the average rate; sized for a peak:
 * at the peak rate, all month.
 */
export function computeCostFromRateModel(
  model: Pick<CpuRateModel, 'fixedMsPerSecond' | 'marginalMsPerRequest' | 'ratesRps'>,
  options: CostOptions,
  pricing: Pricing,
): { line: CostLine; extraInstances: number } {
  const instance = instancePrice(options.deployment, pricing);
  const hours = pricing.hoursPerMonth.value;
  const utilisation = options.deployment.targetUtilization;
  const perVcpuHour = instance.hourly / instance.vcpu;
  const instances = options.deployment.instances;
  const totalRps = options.peakRps ?? options.requestsPerMonth / (hours * 3600);
  const perInstanceRps = totalRps / instances;
  const msPerSecond = model.fixedMsPerSecond + model.marginalMsPerRequest * perInstanceRps;
  const extraVcpus = (instances * msPerSecond) / 1000 / utilisation;
  const low = Math.min(...model.ratesRps);
  const high = Math.max(...model.ratesRps);
  const outside = perInstanceRps < low * 0.5 || perInstanceRps > high * 2 ? ` (extrapolated: measured at ${low}–${high} req/s)` : '';
  return {
    extraInstances: extraVcpus / instance.vcpu,
    line: {
      label: 'extra compute',
      usd: extraVcpus * hours * perVcpuHour,
      formula: `(${fmt(model.fixedMsPerSecond)} ms/s fixed + ${fmt(model.marginalMsPerRequest)} ms/req × ${fmt(perInstanceRps)} ` +
        `req/s${options.peakRps !== undefined ? ' peak' : ''} per instance${outside}) × ${instances} instances ÷ ${utilisation} utilisation = ${fmt(extraVcpus)} vCPU × ` +
          `${hours} h × $${fmt(perVcpuHour, 4)}/vCPU-h (${instance.label})`,
    },
  };
}

/**
 * Extra compute for extra CPU per request, at the target utilisation. Autoscaled
 * (no peak): vCPU-hours for the month's requests. Sized for a peak: the extra vCPUs
 * the peak needs, all month. Priced per vCPU of the instance type.
 */
export function computeCost(cpuDeltaMsPerRequest: number, options: CostOptions, pricing: Pricing): { line: CostLine; extraInstances: number } {
  const instance = instancePrice(options.deployment, pricing);
  const hours = pricing.hoursPerMonth.value;
  const utilisation = options.deployment.targetUtilization;
  const perVcpuHour = instance.hourly / instance.vcpu;
  const price = `$${fmt(perVcpuHour, 4)}/vCPU-h (${instance.label})`;
  if (options.peakRps !== undefined) {
    const extraVcpus = ((cpuDeltaMsPerRequest / 1000) * options.peakRps) / utilisation;
    return {
      extraInstances: extraVcpus / instance.vcpu,
      line: {
        label: 'extra compute',
        usd: extraVcpus * hours * perVcpuHour,
        formula: `${fmt(cpuDeltaMsPerRequest)} ms/req × ${fmt(options.peakRps)} req/s peak ÷ ${utilisation} utilisation = ${fmt(extraVcpus)} vCPU × ${hours} h × ${price}`,
      },
    };
  }
  const vcpuHours = ((cpuDeltaMsPerRequest / 1000) * options.requestsPerMonth) / 3600 / utilisation;
  return {
    extraInstances: vcpuHours / hours / instance.vcpu,
    line: {
      label: 'extra compute',
      usd: vcpuHours * perVcpuHour,
      formula: `${fmt(cpuDeltaMsPerRequest)} ms/req × ${millions(options.requestsPerMonth)} req ÷ ${utilisation} utilisation = ${fmt(vcpuHours)} vCPU-h × ${price}`,
    },
  };
}

export function memoryCost(rssDeltaBytes: number, options: CostOptions, pricing: Pricing): CostLine {
  const gb = rssDeltaBytes / 1024 ** 3;
  const gbHours = gb * options.deployment.instances * pricing.hoursPerMonth.value;
  return {
    label: 'extra memory',
    usd: gbHours * pricing.compute.fargateGBHour.value,
    formula: `${fmt(gb * 1024)} MB × ${options.deployment.instances} instances × ${pricing.hoursPerMonth.value} h × $${pricing.compute.fargateGBHour.value}/GB-h` +
      (options.deployment.instanceType === 'fargate' ? '' : ' (the Fargate rate as the price of memory)'),
  };
}

/**
 * Datadog APM: the plan's fee per host (per average concurrent task on Fargate),
 * ingested GB over the allotment, indexed spans over theirs.
 */
export function datadogBill(input: { hosts: number; ingestedGB: number; indexedSpans: number; plan?: string; fargate?: boolean }, pricing: Pricing): CostLine[] {
  const d = pricing.datadog;
  const planName = input.plan ?? 'apm';
  const plan = d.plans[planName];
  if (!plan) throw new Error(`unknown Datadog plan ${planName}`);
  const unit = input.fargate ? 'tasks' : 'hosts';
  const fee = input.fargate ? plan.fargateTaskMonthly.value : plan.hostMonthly.value;
  const includedGB = input.fargate ? d.ingestedGBIncludedPerFargateTask.value : d.ingestedGBIncludedPerHost.value;
  const includedIndexed = input.fargate ? d.indexedSpansIncludedPerFargateTask.value : d.indexedSpansIncludedPerHost.value;
  const overGB = Math.max(0, input.ingestedGB - includedGB * input.hosts);
  const overIndexed = Math.max(0, input.indexedSpans - includedIndexed * input.hosts);
  return [
    { label: `Datadog APM ${unit} (${planName})`, usd: input.hosts * fee, formula: `${input.hosts} ${unit} × $${fee}` },
    { label: 'Datadog ingested spans', usd: overGB * d.ingestedGBOverage.value, formula: `max(0, ${fmt(input.ingestedGB)} GB kept − ${input.hosts} × ${includedGB} GB) × ` +
      `$${d.ingestedGBOverage.value}/GB` },
    { label: 'Datadog indexed spans', usd: (overIndexed / 1e6) * d.indexedPerMillionOverage.value, formula: `max(0, ${millions(input.indexedSpans)} − ${input.hosts} × ` +
      `${millions(includedIndexed)}) × $${d.indexedPerMillionOverage.value}/1M` },
  ];
}

/** Errors beyond the plan's included volume, through the pay-as-you-go tiers. */
export function tieredErrorCost(errors: number, plan: SentryPlan): number {
  let remaining = Math.max(0, errors - plan.includedErrors.value);
  let position = plan.includedErrors.value;
  let usd = 0;
  for (const tier of plan.errorTiers) {
    if (remaining <= 0) break;
    const capacity = tier.upTo === null ? remaining : Math.max(0, tier.upTo - position);
    const used = Math.min(remaining, capacity);
    usd += used * tier.price;
    remaining -= used;
    position += used;
  }
  return usd;
}

export function sentryBill(input: { errors: number; spans: number; plan: string }, pricing: Pricing): CostLine[] {
  const plan = pricing.sentry.plans[input.plan];
  if (!plan) throw new Error(`unknown Sentry plan ${input.plan}`);
  const overSpans = Math.max(0, input.spans - plan.includedSpans.value);
  return [
    { label: `Sentry ${input.plan} plan`, usd: plan.monthly.value, formula: `$${plan.monthly.value}/month` },
    { label: 'Sentry errors', usd: tieredErrorCost(input.errors, plan), formula: `${millions(input.errors)} errors − ${millions(plan.includedErrors.value)} included, through ` +
      `the pay-as-you-go tiers` },
    { label: 'Sentry spans', usd: overSpans * plan.spanPrice.value, formula: `max(0, ${millions(input.spans)} − ${millions(plan.includedSpans.value)}) spans × ` +
      `$${plan.spanPrice.value}` },
  ];
}

/** Grafana Cloud active series: free up to the allowance, then Pro per 1k series over it (assumption: Pro keeps the free allowance). */
export function grafanaSeriesBill(activeSeries: number, pricing: Pricing): CostLine[] {
  const g = pricing.grafana;
  if (activeSeries <= g.freeSeries.value) {
    return [{ label: 'Grafana Cloud series', usd: 0, formula: `${fmt(activeSeries)} active series ≤ ${fmt(g.freeSeries.value)} free` }];
  }
  const thousands = Math.ceil((activeSeries - g.freeSeries.value) / 1000);
  return [{ label: 'Grafana Cloud series', usd: g.proMonthly.value + thousands * g.perThousandSeries.value, formula: `$${g.proMonthly.value} Pro + ${thousands}k series over ` +
    `${fmt(g.freeSeries.value)} × $${g.perThousandSeries.value}` }];
}

/** OTLP traces to Grafana Cloud: GB over the free allowance. */
export function otlpBill(gb: number, pricing: Pricing): CostLine[] {
  const g = pricing.grafana;
  return [{ label: 'OTLP traces (Grafana Cloud)', usd: Math.max(0, gb - g.freeTracesGB.value) * g.tracesPerGB.value, formula: `max(0, ${fmt(gb)} GB − ${g.freeTracesGB.value} ` +
    `GB free) × $${g.tracesPerGB.value}/GB` }];
}

/** What a vendor's bill is computed from: the measured volumes, the month's traffic and the fleet. */
export interface BillInput {
  measure: ConfigMeasure;
  requestsPerMonth: number;
  /** Instances (or tasks) serving the traffic, the extra CPU included, rounded up. */
  hosts: number;
  options: CostOptions;
  pricing: Pricing;
}

/** A vendor adapter's bill: priced lines with their formulas. */
export type VendorBill = (input: BillInput) => CostLine[];

/**
 * The monthly bill of one config: the infrastructure delta, plus the vendor
 * bill from measured volumes when its adapter has one.
 */
export function projectConfig(measure: ConfigMeasure, options: CostOptions, pricing: Pricing, vendorBill?: VendorBill): ConfigCost {
  const model = measure.cpuRateModel;
  const compute = model ? computeCostFromRateModel(model, options, pricing) : computeCost(measure.cpuDeltaMsPerRequest, options, pricing);
  const infrastructure = [compute.line, memoryCost(measure.rssDeltaBytes, options, pricing)];
  const hosts = Math.ceil(options.deployment.instances + Math.max(0, compute.extraInstances));
  const vendor = vendorBill?.({ measure, requestsPerMonth: options.requestsPerMonth, hosts, options, pricing }) ?? [];
  const vendorUsd = vendor.reduce((s, l) => s + l.usd, 0);
  const memoryUsd = infrastructure[1]!.usd;
  const totalUsd = compute.line.usd + memoryUsd + vendorUsd;
  const at = (ms: number) => computeCost(ms, options, pricing).line.usd + memoryUsd + vendorUsd;
  // With a rate model, both coefficients at the ends of their 95% intervals (ignoring their covariance: wider, not narrower).
  const atModel = (sign: -1 | 1) => computeCostFromRateModel({
    ...model!,
    fixedMsPerSecond: Math.max(0, model!.fixedMsPerSecond + sign * model!.t * model!.fixedSE),
    marginalMsPerRequest: Math.max(0, model!.marginalMsPerRequest + sign * model!.t * model!.marginalSE),
  }, options, pricing).line.usd + memoryUsd + vendorUsd;
  const ci = measure.cpuDeltaMsPerRequestCI;
  return {
    config: measure.config,
    infrastructure,
    vendor,
    totalUsd,
    lowUsd: model ? atModel(-1) : ci ? at(Math.max(0, ci.low)) : totalUsd,
    highUsd: model ? atModel(1) : ci ? at(ci.high) : totalUsd,
    extraInstances: compute.extraInstances,
  };
}
