import { standardDeviation, tQuantile } from '../analysis/stats.js';
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
/** The per-request volumes an intake counted, as a bill reads them. */
export type IntakeVolumes = Pick<ConfigMeasure, 'spansPerRequest' | 'keptSpansPerRequest' | 'bytesPerRequest' | 'keptBytesPerRequest' | 'errorEventsPerRequest' |
  'errorSpansPerRequest' | 'tracesPerRequest' | 'keptTracesPerRequest' | 'series' | 'customMetricSeries'>;

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
  /** Datadog: spans with error status, what the default "Error Default" retention filter indexes. */
  errorSpansPerRequest?: number;
  /** Datadog: traces started, and traces the tracer kept (sampling priority > 0), per request, at the bench's rate. */
  tracesPerRequest?: number;
  keptTracesPerRequest?: number;
  /** The config's sampling option, when it has one; and its options as written. */
  sampleRate?: number;
  options?: Record<string, unknown>;
  /** The offered rate of the bench (req/s, one target), where the volumes were measured. */
  benchRps?: number;
  /** Prometheus: active series one instance exposes. */
  series?: number;
  /** Datadog: distinct DogStatsD series (name + tags) one instance sends, billed as custom metrics. */
  customMetricSeries?: number;
  /** What the app logs per request (bytes and lines), with any log injection. */
  logBytesPerRequest?: number;
  logLinesPerRequest?: number;
  /** Several agents in one process: each member's own volumes, by member name, so each vendor bills its own. */
  parts?: Record<string, IntakeVolumes>;
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
  /** Share of error spans the "Error Default" retention filter indexes (Datadog's default: all of them). */
  datadogErrorIndexedFraction?: number;
  /** Sentry: pay-as-you-go (default) or reserved (prepaid) volume. */
  sentryBilling?: 'payg' | 'reserved';
  /** Prometheus: the production scrape interval, which sets data points per minute per series. */
  scrapeIntervalSeconds?: number;
  /** New Relic: full platform users (priced only when the pricing file has a seat price). */
  newrelicSeats?: number;
  /** The app's logs are shipped to the vendor: bill them, indexing this share of the lines. */
  logs?: { shipped: boolean; indexedFraction: number };
}

export interface ConfigCost {
  config: string;
  /** The traffic the bill is for. */
  requestsPerMonth?: number;
  infrastructure: CostLine[];
  vendor: CostLine[];
  totalUsd: number;
  /** Total with the CPU delta at the ends of its confidence interval. */
  lowUsd: number;
  highUsd: number;
  /** How the range was computed, and the input that dominates it when one does. */
  rangeNote?: string;
  /** What would change this bill: its largest line, and the sample rate that would halve it. */
  drivers?: string;
  extraInstances: number;
  /** The fleet: hosts on average and in the p99 hour (what per-host prices bill), fractional. */
  fleet: Fleet;
}

/** Hosts over the month: vendors that price per host bill the 99th-percentile hour, not the average. */
export interface Fleet {
  averageHosts: number;
  p99Hosts: number;
  /** Req/s one instance serves on average, and at the peak hour. */
  perInstanceRps: number;
  peakPerInstanceRps: number;
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

/**
 * Extra memory. On Fargate the task pays per GB-hour. On an instance the
 * memory is already paid for: extra RSS costs nothing while it fits in the
 * headroom (a fifth of the instance's memory is assumed free), and past that it
 * is priced as the share of an instance it takes.
 */
export function memoryCost(rssDeltaBytes: number, options: CostOptions, pricing: Pricing): CostLine {
  const gb = rssDeltaBytes / 1024 ** 3;
  const instances = options.deployment.instances;
  const hours = pricing.hoursPerMonth.value;
  if (options.deployment.instanceType === 'fargate') {
    const gbHours = gb * instances * hours;
    return {
      label: 'extra memory',
      usd: gbHours * pricing.compute.fargateGBHour.value,
      formula: `${fmt(gb * 1024)} MB × ${instances} tasks × ${hours} h × $${pricing.compute.fargateGBHour.value}/GB-h`,
    };
  }
  const instance = instancePrice(options.deployment, pricing);
  const headroomGiB = instance.memoryGiB * MEMORY_HEADROOM;
  if (gb <= headroomGiB) {
    const formula = `${fmt(gb * 1024)} MB per instance fits in ${instance.label}'s ${fmt(headroomGiB)} GiB headroom (a fifth of ${instance.memoryGiB} GiB)`;
    return { label: 'extra memory', usd: 0, formula };
  }
  const share = (gb - headroomGiB) / instance.memoryGiB;
  return {
    label: 'extra memory',
    usd: share * instances * hours * instance.hourly,
    formula: `(${fmt(gb)} − ${fmt(headroomGiB)} GiB headroom) ÷ ${instance.memoryGiB} GiB × ${instances} instances × ${hours} h × $${instance.hourly}/h`,
  };
}

/** Share of an instance's memory assumed free for an agent's RSS. */
export const MEMORY_HEADROOM = 0.2;

/**
 * The fleet over a month, and the hosts per-host prices bill. Datadog bills
 * the 99th-percentile hour (the month's hours sorted, the top 1% dropped). With
 * a peak (--traffic …,peak=…) the fleet is sized for it and runs every hour, so
 * that hour is the peak fleet; autoscaled at a flat average, it is the average
 * fleet. Either way it is the user's instances plus the agent's extra ones,
 * kept fractional: where a fleet's demand sits inside its last host is unknown,
 * so 0.08 of a host of extra demand adds a whole host 8% of the time, and its
 * expected price is 0.08 of a host's, not a whole one.
 */
export function fleetOverMonth(input: { instances: number; extraInstances: number; averageRps: number; peakRps?: number }): Fleet {
  const hosts = input.instances + Math.max(0, input.extraInstances);
  return {
    averageHosts: hosts,
    p99Hosts: hosts,
    perInstanceRps: input.averageRps / input.instances,
    peakPerInstanceRps: (input.peakRps ?? input.averageRps) / input.instances,
  };
}

/**
 * Datadog APM: the plan's fee per host (per average concurrent task on Fargate)
 * on top of the Infrastructure fee per host, ingested GB over the allotment,
 * and indexed spans over theirs. Hosts are the p99-hour count.
 */
export function datadogBill(
  input: {
    hosts: number; ingestedGB: number; indexedSpans: number; errorSpans?: number; customMetrics?: number; plan?: string; fargate?: boolean;
    /** Shipped logs: GB ingested and lines indexed per month. */
    logs?: { gb: number; indexedLines: number };
  },
  pricing: Pricing,
): CostLine[] {
  const d = pricing.datadog;
  const planName = input.plan ?? 'apm';
  const plan = d.plans[planName];
  if (!plan) throw new Error(`unknown Datadog plan ${planName}`);
  const unit = input.fargate ? 'tasks' : 'hosts';
  const fee = input.fargate ? plan.fargateTaskMonthly.value : plan.hostMonthly.value;
  const includedGB = input.fargate ? d.ingestedGBIncludedPerFargateTask.value : d.ingestedGBIncludedPerHost.value;
  const includedIndexed = input.fargate ? d.indexedSpansIncludedPerFargateTask.value : d.indexedSpansIncludedPerHost.value;
  const indexed = input.indexedSpans + (input.errorSpans ?? 0);
  const overGB = Math.max(0, input.ingestedGB - includedGB * input.hosts);
  const overIndexed = Math.max(0, indexed - includedIndexed * input.hosts);
  const custom = input.customMetrics ?? 0;
  const overCustom = Math.max(0, custom - d.customMetricsIncludedPerHost.value * input.hosts);
  const customLine = custom > 0 ? [{
    label: 'Datadog custom metrics', usd: Math.ceil(overCustom / 100) * d.customMetricsPer100.value,
    formula: `⌈max(0, ${fmt(custom)} DogStatsD series − ${fmt(input.hosts)} × ${d.customMetricsIncludedPerHost.value} included) ÷ 100⌉ × $${d.customMetricsPer100.value}`,
  }] : [];
  const errorPart = input.errorSpans ? ` (${millions(input.indexedSpans)} by retention filters + ${millions(input.errorSpans)} error spans)` : '';
  return [
    ...(input.fargate ? [] : [{
      label: 'Datadog Infrastructure', usd: input.hosts * d.infraHostMonthly.value, formula: `${fmt(input.hosts)} hosts (p99 hour) × $${d.infraHostMonthly.value}`,
    }]),
    { label: `Datadog APM ${unit} (${planName})`, usd: input.hosts * fee, formula: `${fmt(input.hosts)} ${unit}${input.fargate ? '' : ' (p99 hour)'} × $${fee}` },
    { label: 'Datadog ingested spans', usd: overGB * d.ingestedGBOverage.value, formula: `max(0, ${fmt(input.ingestedGB)} GB kept − ${fmt(input.hosts)} × ${includedGB} GB) × ` +
      `$${d.ingestedGBOverage.value}/GB` },
    { label: 'Datadog indexed spans', usd: (overIndexed / 1e6) * d.indexedPerMillionOverage.value, formula: `max(0, ${millions(indexed)}${errorPart} − ${fmt(input.hosts)} × ` +
      `${millions(includedIndexed)}) × $${d.indexedPerMillionOverage.value}/1M` },
    ...customLine,
    ...datadogLogLines(input.logs, pricing),
  ];
}

function datadogLogLines(logs: { gb: number; indexedLines: number } | undefined, pricing: Pricing): CostLine[] {
  const d = pricing.datadog;
  if (!logs || !d.logsIngestedPerGB || !d.logsIndexedPerMillion) return [];
  return [
    { label: 'Datadog log ingest', usd: logs.gb * d.logsIngestedPerGB.value, formula: `${fmt(logs.gb)} GB × $${d.logsIngestedPerGB.value}/GB` },
    { label: 'Datadog log indexing', usd: (logs.indexedLines / 1e6) * d.logsIndexedPerMillion.value,
      formula: `${millions(logs.indexedLines)} lines × $${d.logsIndexedPerMillion.value}/1M (15-day retention)` },
  ];
}

/**
 * dd-trace keeps at most `limit` traces a second per process (DD_TRACE_RATE_LIMIT,
 * default 100) of those its sample rate picks. At `rps` req/s per instance the
 * kept share of traces is min(rate, limit ÷ traces per second).
 */
export function keptTraceShare(sampleRate: number, rps: number, tracesPerRequest: number, limit = 100): number {
  const tracesPerSecond = rps * tracesPerRequest;
  if (tracesPerSecond <= 0) return sampleRate;
  return Math.min(sampleRate, limit / tracesPerSecond);
}

/** Volume beyond `included` through price tiers (`upTo` counts from zero; null = no upper end). */
export function tieredCost(volume: number, included: number, tiers: ReadonlyArray<{ upTo: number | null; price: number }>): number {
  let remaining = Math.max(0, volume - included);
  let position = included;
  let usd = 0;
  for (const tier of tiers) {
    if (remaining <= 0) break;
    const capacity = tier.upTo === null ? remaining : Math.max(0, tier.upTo - position);
    const used = Math.min(remaining, capacity);
    usd += used * tier.price;
    remaining -= used;
    position += used;
  }
  return usd;
}

/** Errors beyond the plan's included volume, through the pay-as-you-go tiers. */
export function tieredErrorCost(errors: number, plan: SentryPlan): number {
  return tieredCost(errors, plan.includedErrors.value, plan.errorTiers);
}

/** Sentry: the plan, errors and spans through their tiers; reserved volume at the prepaid discount. */
export function sentryBill(input: { errors: number; spans: number; plan: string; billing?: 'payg' | 'reserved' }, pricing: Pricing): CostLine[] {
  const plan = pricing.sentry.plans[input.plan];
  if (!plan) throw new Error(`unknown Sentry plan ${input.plan}`);
  const reserved = input.billing === 'reserved';
  const factor = reserved ? 1 - pricing.sentry.reservedDiscount.value : 1;
  const how = reserved ? ` × ${factor} (reserved: ${pricing.sentry.reservedDiscount.value * 100}% off pay-as-you-go)` : ' (pay-as-you-go)';
  const tiers = (list: ReadonlyArray<{ upTo: number | null; price: number }>) => list.map((t) => `$${t.price}${t.upTo === null ? ' above' : ` to ${millions(t.upTo)}`}`).join(', ');
  return [
    { label: `Sentry ${input.plan} plan`, usd: plan.monthly.value, formula: `$${plan.monthly.value}/month` },
    { label: 'Sentry errors', usd: tieredErrorCost(input.errors, plan) * factor, formula: `${millions(input.errors)} errors − ${millions(plan.includedErrors.value)} included, ` +
      `through the tiers${how}` },
    { label: 'Sentry spans', usd: tieredCost(input.spans, plan.includedSpans.value, plan.spanTiers) * factor, formula: `${millions(input.spans)} spans − ` +
      `${millions(plan.includedSpans.value)} included, at ${tiers(plan.spanTiers)}${how}` },
  ];
}

/**
 * Grafana Cloud metrics: billable series = max(active series, DPM ÷ included DPM
 * per series); a scrape every 15 s is 4 DPM, so it counts as 4× the series.
 * Free up to the allowance, then Pro per 1k over it, rounded up to the next 1k
 * (assumption: Pro keeps the free allowance).
 */
export function grafanaSeriesBill(activeSeries: number, pricing: Pricing, scrapeIntervalSeconds = 60): CostLine[] {
  const g = pricing.grafana;
  const dpmPerSeries = 60 / scrapeIntervalSeconds;
  const billable = Math.max(activeSeries, (activeSeries * dpmPerSeries) / g.includedDpmPerSeries.value);
  const basis = `max(${fmt(activeSeries)} series, ${fmt(activeSeries)} × ${fmt(dpmPerSeries)} DPM ÷ ${g.includedDpmPerSeries.value} included DPM) = ` +
    `${fmt(billable)} billable series`;
  if (billable <= g.freeSeries.value) {
    return [{ label: 'Grafana Cloud series', usd: 0, formula: `${basis} ≤ ${fmt(g.freeSeries.value)} free` }];
  }
  const thousands = Math.ceil((billable - g.freeSeries.value) / 1000);
  return [{ label: 'Grafana Cloud series', usd: g.proMonthly.value + thousands * g.perThousandSeries.value, formula: `${basis}; $${g.proMonthly.value} Pro + ` +
    `${thousands}k over ${fmt(g.freeSeries.value)} × $${g.perThousandSeries.value}` }];
}

/** OTLP traces to Grafana Cloud: every GB processed, and GB written past the free allowance. */
export function otlpBill(gb: number, pricing: Pricing): CostLine[] {
  const g = pricing.grafana;
  const written = Math.max(0, gb - g.freeTracesGB.value);
  return [
    { label: 'Grafana Cloud traces processed', usd: gb * g.tracesProcessedPerGB.value, formula: `${fmt(gb)} GB × $${g.tracesProcessedPerGB.value}/GB` },
    { label: 'Grafana Cloud traces written', usd: written * g.tracesWrittenPerGB.value, formula: `max(0, ${fmt(gb)} GB − ${g.freeTracesGB.value} GB free) × ` +
      `$${g.tracesWrittenPerGB.value}/GB` },
  ];
}

/** What a vendor's bill is computed from: the measured volumes, the month's traffic and the fleet. */
export interface BillInput {
  measure: ConfigMeasure;
  requestsPerMonth: number;
  /** Hosts (or tasks) to bill: the p99-hour count of the fleet, the extra CPU included. */
  hosts: number;
  fleet: Fleet;
  options: CostOptions;
  pricing: Pricing;
}

/** A vendor adapter's bill: priced lines with their formulas. */
export type VendorBill = (input: BillInput) => CostLine[];

/**
 * The monthly bill of one config:
 *   1. extra compute (from the rate model when the result has one) and memory
 *   2. the fleet over the month: average and p99-hour hosts
 *   3. the vendor bill from the measured volumes, via its adapter
 *   4. the range: a paired t interval over the bills of the pairs when given (every measured input of a pair varies
 *      together), else the CPU CI alone
 */
export function projectConfig(measure: ConfigMeasure, options: CostOptions, pricing: Pricing, vendorBill?: VendorBill, pairs: readonly ConfigMeasure[] = []): ConfigCost {
  const central = billOf(measure, options, pricing, vendorBill);
  const range = pairs.length >= 3 ? rangeOverPairs(measure, pairs, options, pricing, vendorBill, central.totalUsd) : cpuRange(measure, options, pricing, vendorBill, central);
  const cost = { ...central, ...range };
  return { ...cost, drivers: billDrivers(measure, cost, options, pricing, vendorBill) };
}

function billOf(measure: ConfigMeasure, options: CostOptions, pricing: Pricing, vendorBill?: VendorBill): Omit<ConfigCost, 'lowUsd' | 'highUsd'> {
  const model = measure.cpuRateModel;
  const compute = model ? computeCostFromRateModel(model, options, pricing) : computeCost(measure.cpuDeltaMsPerRequest, options, pricing);
  const infrastructure = [compute.line, memoryCost(measure.rssDeltaBytes, options, pricing)];
  const averageRps = options.requestsPerMonth / (pricing.hoursPerMonth.value * 3600);
  const fleet = fleetOverMonth({
    instances: options.deployment.instances, extraInstances: compute.extraInstances, averageRps,
    ...(options.peakRps !== undefined ? { peakRps: options.peakRps } : {}),
  });
  const vendor = vendorBill?.({ measure, requestsPerMonth: options.requestsPerMonth, hosts: fleet.p99Hosts, fleet, options, pricing }) ?? [];
  const totalUsd = [...infrastructure, ...vendor].reduce((sum, line) => sum + line.usd, 0);
  return { config: measure.config, infrastructure, vendor, totalUsd, extraInstances: compute.extraInstances, fleet, requestsPerMonth: options.requestsPerMonth };
}

/** The measured inputs a bill depends on, for naming the one that dominates a range. */
const inputs: Array<{ name: string; keys: Array<keyof ConfigMeasure> }> = [
  { name: 'CPU per request', keys: ['cpuDeltaMsPerRequest', 'cpuRateModel'] },
  { name: 'memory', keys: ['rssDeltaBytes'] },
  { name: 'spans per request', keys: ['spansPerRequest', 'keptSpansPerRequest', 'tracesPerRequest', 'keptTracesPerRequest'] },
  { name: 'bytes per request', keys: ['bytesPerRequest', 'keptBytesPerRequest'] },
  { name: 'errors per request', keys: ['errorEventsPerRequest', 'errorSpansPerRequest'] },
];

/** Half the width of the 95% t interval of the mean of `bills`. */
function tHalfWidth(bills: readonly number[]): number {
  return (tQuantile(0.975, bills.length - 1) * standardDeviation(bills)) / Math.sqrt(bills.length);
}

/**
 * The bill's 95% range from its pairs: the central bill ± t(0.975, n − 1) × SD of the pair-level bills / √n, the same
 * paired inference as the CPU estimate, so a money budget at its limit fails falsely 2.5% of the time as a CPU budget
 * does. A rate model's coefficient interval (the same at every pair) is added in quadrature.
 */
function rangeOverPairs(measure: ConfigMeasure, pairs: readonly ConfigMeasure[], options: CostOptions, pricing: Pricing, vendorBill: VendorBill | undefined, totalUsd: number) {
  const bills = (list: readonly ConfigMeasure[]) => list.map((pair) => billOf(pair, options, pricing, vendorBill).totalUsd);
  const model = measure.cpuRateModel ? cpuRange(measure, options, pricing, vendorBill, { totalUsd }) : undefined;
  const modelHalf = model ? (model.highUsd - model.lowUsd) / 2 : 0;
  const half = Math.sqrt(tHalfWidth(bills(pairs)) ** 2 + modelHalf ** 2);
  // One input at a time, the others at their central values: which one makes the range?
  const widths = inputs.map(({ name, keys }) => {
    const one = bills(pairs.map((pair) => ({ ...measure, ...Object.fromEntries(keys.map((key) => [key, pair[key]])) })));
    return { name, width: name === 'CPU per request' ? Math.hypot(tHalfWidth(one), modelHalf) : tHalfWidth(one) };
  }).sort((a, b) => b.width - a.width);
  const top = widths[0]!;
  const sum = widths.reduce((s, w) => s + w.width, 0);
  const dominated = sum > 0 && top.width / sum >= 0.7 ? `; ${top.name} makes ${Math.round((100 * top.width) / sum)}% of it` : '';
  // Counted volumes often repeat exactly (a fixed route mix): then they carry no sampling uncertainty, and the reader should know why.
  const volumesFixed = widths.filter((w) => w.name !== 'CPU per request' && w.name !== 'memory').every((w) => w.width === 0)
    && (measure.spansPerRequest ?? measure.series ?? measure.bytesPerRequest) !== undefined;
  const fixed = volumesFixed ? '; the counted volumes per request were the same in every pair (a fixed route mix), so only your traffic\'s own mix would move them' : '';
  const how = `95% paired t interval over the bills of ${pairs.length} pairs${model ? ', with the rate model\'s coefficient interval' : ''}`;
  return { lowUsd: totalUsd - half, highUsd: totalUsd + half, rangeNote: `${how}${dominated}${fixed}` };
}

function cpuRange(measure: ConfigMeasure, options: CostOptions, pricing: Pricing, vendorBill: VendorBill | undefined, central: { totalUsd: number }) {
  const model = measure.cpuRateModel;
  const at = (patch: Partial<ConfigMeasure>) => billOf({ ...measure, ...patch }, options, pricing, vendorBill).totalUsd;
  if (model) {
    // Both coefficients at the ends of their 95% intervals (ignoring their covariance: wider, not narrower).
    const shifted = (sign: -1 | 1) => at({ cpuRateModel: {
      ...model,
      fixedMsPerSecond: Math.max(0, model.fixedMsPerSecond + sign * model.t * model.fixedSE),
      marginalMsPerRequest: Math.max(0, model.marginalMsPerRequest + sign * model.t * model.marginalSE),
    } });
    return { lowUsd: shifted(-1), highUsd: shifted(1), rangeNote: 'range from the rate model\'s coefficient intervals; other inputs at their central values' };
  }
  const ci = measure.cpuDeltaMsPerRequestCI;
  if (!ci || !Number.isFinite(ci.low) || !Number.isFinite(ci.high)) return { lowUsd: central.totalUsd, highUsd: central.totalUsd, rangeNote: 'no interval: too few pairs' };
  return { lowUsd: at({ cpuDeltaMsPerRequest: Math.max(0, ci.low) }), highUsd: at({ cpuDeltaMsPerRequest: ci.high }), rangeNote: 'range from the CPU interval alone' };
}

/** Per-request volumes a sampler scales: what a lower sample rate sends less of (errors are not sampled by it). */
const sampledVolumes: Array<keyof ConfigMeasure> = ['spansPerRequest', 'keptSpansPerRequest', 'bytesPerRequest', 'keptBytesPerRequest', 'keptTracesPerRequest'];

/** The bill of a config had it sampled at `rate` instead: its sampled volumes scaled from the measured ones. */
export function billAtSampleRate(measure: ConfigMeasure, rate: number, options: CostOptions, pricing: Pricing, vendorBill?: VendorBill): number {
  const from = measure.sampleRate ?? 1;
  const scale = from > 0 ? rate / from : 0;
  const scaled: ConfigMeasure = { ...measure, sampleRate: rate };
  for (const key of sampledVolumes) {
    const value = measure[key];
    if (typeof value === 'number') (scaled as unknown as Record<string, number>)[key] = value * scale;
  }
  return billOf(scaled, options, pricing, vendorBill).totalUsd;
}

/**
 * What would change this bill: its largest line, and the sample rate that
 * would halve it (found by bisection on the bill as a function of the rate),
 * or why none would.
 */
export function billDrivers(measure: ConfigMeasure, cost: ConfigCost, options: CostOptions, pricing: Pricing, vendorBill?: VendorBill): string {
  const lines = [...cost.infrastructure, ...cost.vendor].sort((a, b) => b.usd - a.usd);
  const top = lines[0];
  if (!top || cost.totalUsd <= 0) return 'nothing: this config adds no cost at this traffic.';
  const share = Math.round((100 * top.usd) / cost.totalUsd);
  const head = `the largest line is ${top.label} (${share}% of the bill)`;
  if (measure.sampleRate === undefined || measure.sampleRate <= 0) return `${head}.`;
  const target = cost.totalUsd / 2;
  const floor = billAtSampleRate(measure, 0, options, pricing, vendorBill);
  if (floor > target) {
    return `${head}; no sample rate halves it: at 0 it is still $${Math.round(floor).toLocaleString('en-US')} (per-host fees and compute do not scale with sampling).`;
  }
  let low = 0;
  let high = measure.sampleRate;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (billAtSampleRate(measure, mid, options, pricing, vendorBill) > target) high = mid;
    else low = mid;
  }
  return `${head}; a sample rate of ${Number(low.toPrecision(2))} (now ${measure.sampleRate}) would halve it, with sampled volumes scaled from the measured ones ` +
    'and CPU unchanged ' +
    '(sampling changes the bill more than the CPU).';
}
