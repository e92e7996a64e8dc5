import { headlineOf } from '../analysis/behaviour.js';
import type { ConfigSummary } from '../analysis/summary.js';
import type { Pricing } from '../cost/pricing.js';
import type { ConfigCost, ConfigMeasure } from '../cost/project.js';
import type { Analysis, RateModel, SampleRateModel } from '../samples/analysis.js';
import type { ResultDocument } from '../samples/result.js';
import { formatChange, formatNumber } from '../samples/units.js';
import { roleClaims, type Claim, type ClaimVerdict } from '../analysis/claims.js';
import { adapterFor, adapters } from '../instrument/registry.js';
import { estimateOf } from '../samples/analysis.js';
import type { ReportRow } from './rows.js';

/** Everything a report shows, derived from one result file and a traffic profile. */
export interface ReportInput {
  result: ResultDocument;
  summaries: ConfigSummary[];
  analysis: Analysis;
  /** One row per config: what every output shows about it. */
  rows: ReportRow[];
  measures: ConfigMeasure[];
  costs: ConfigCost[];
  /** The traffic profile in words, e.g. "500M requests/month". */
  traffic: string;
  pricing: Pricing;
}

export const usd = (n: number) => `${n < 0 ? '−' : ''}$${Math.abs(Math.round(n)).toLocaleString('en-US')}`;

export interface SummarySentence {
  config: string;
  description: string;
  text: string;
}

/** One sentence per config with a bill, leading with the dollars at the user's traffic; then the overhead, and what would change the bill. */
export function executiveSummary(input: Pick<ReportInput, 'rows' | 'traffic'>): SummarySentence[] {
  return input.rows.flatMap((row) => {
    const cost = row.cost;
    // A behaviour change leads: it matters more than any overhead, which is then on the requests that succeeded.
    const changed = row.behaviour ? `Behaviour change: ${headlineOf(row.behaviour)}; the figures below are per successful request. ` : '';
    if (!cost) return changed ? [{ config: row.config, description: row.description, text: changed.trim() }] : [];
    const cpu = row.cells.cpuMsPerRequest.estimate;
    const infra = cost.infrastructure.reduce((s, l) => s + l.usd, 0);
    const ci = cpu ? `CI ${formatChange(cpu.overheadCI.low)} to ${formatChange(cpu.overheadCI.high)}` : '';
    const overhead = !cpu ? 'no valid paired runs'
      : cpu.significance === 'no significant difference'
        ? `no significant CPU change per request on this route mix (${formatChange(cpu.overhead)}, ${ci})`
        : `${formatChange(cpu.overhead)} CPU per request on this route mix (${ci})`;
    return [{
      config: row.config,
      description: row.description,
      text: `${changed}${usd(cost.totalUsd)}/month at ${input.traffic} (${usd(cost.lowUsd)}–${usd(cost.highUsd)}), of which ${usd(infra)} is extra compute and memory; ` +
        `${overhead}. What would change this bill: ${cost.drivers ?? 'n/a'}`,
    }];
  });
}

export interface ClaimRow {
  claim: string;
  source: string;
  config: string;
  measured: string;
  verdict: ClaimVerdict;
}

/** Every claim: those about a role of agent, then each adapter's own. */
function allClaims(): Claim[] {
  const seen = new Set<Claim>(roleClaims);
  for (const adapter of adapters) for (const claim of adapter.claims ?? []) seen.add(claim);
  return [...seen];
}

/** The seed guides' claims, each set against every config it is about. */
export function claimRows(input: Pick<ReportInput, 'measures' | 'analysis' | 'costs'>): ClaimRow[] {
  return allClaims().flatMap((claim) => input.measures.flatMap((measure) => {
    const adapter = adapterFor(measure.kind);
    // A stack does what its members do: a claim about "metrics" is not about dd-trace + Sentry.
    const members = (measure.options?.members as Array<{ kind: string }> | undefined) ?? [];
    const roles = members.length ? members.flatMap((m) => adapterFor(m.kind)?.roles ?? []) : adapter?.roles ?? [];
    const about = adapter && (claim.roles?.some((role) => roles.includes(role)) || adapter.claims?.includes(claim));
    if (!about) return [];
    const cost = input.costs.find((c) => c.config === measure.config);
    const bill = cost && cost.requestsPerMonth !== undefined ? {
      vendorUsdPerMonth: cost.vendor.reduce((sum, line) => sum + line.usd, 0), p99Hosts: cost.fleet.p99Hosts, requestsPerMonth: cost.requestsPerMonth,
      ...(measure.sampleRate !== undefined ? { sampleRate: measure.sampleRate } : {}),
    } : undefined;
    const outcome = claim.check({ cpu: estimateOf(input.analysis, measure.config, 'cpuMsPerRequest'), bytesPerRequest: measure.bytesPerRequest, ...(bill ? { bill } : {}) });
    return outcome ? [{ claim: claim.text, source: claim.source, config: measure.config, ...outcome }] : [];
  }));
}

/** What a reader of the bill should know about the vendors' prices. */
export const priceNotes: string[] = adapters.flatMap((adapter) => (adapter.priceNote ? [adapter.priceNote] : []));

/** "datadog@1: +4.1 ± 0.9 ms/s fixed, +0.21 ± 0.02 ms per request (6 pairs at 100 and 400 req/s)" */
export function rateModelText(model: RateModel): string {
  const f = model.overhead ?? model.fit;
  const what = model.overhead ? 'extra CPU' : 'CPU';
  const sign = (x: number) => (x >= 0 ? '+' : '−');
  return `${model.config}: ${what} ${sign(f.intercept)}${formatNumber(Math.abs(f.intercept))} ± ${formatNumber(f.interceptSE)} ms/s fixed, ` +
    `${sign(f.slope)}${formatNumber(Math.abs(f.slope))} ± ${formatNumber(f.slopeSE)} ms per request (${f.n} ${model.overhead ? 'pairs' : 'runs'} at ` +
      `${model.ratesRps.join(' and ')} req/s)`;
}

/** "extra CPU = 0.325 ± 0.033 ms/req fixed − 0.024 ± 0.046 ms/req × sampleRate (R² 0.06, 6 pairs over 2 rates)" */
export function sampleRateModelText(model: SampleRateModel): string {
  const f = model.fit;
  return `${model.kind}: extra CPU = ${formatNumber(f.intercept)} ± ${formatNumber(f.interceptSE)} ms/req fixed ${f.slope >= 0 ? '+' : '−'} ${formatNumber(Math.abs(f.slope))} ` +
    `± ${formatNumber(f.slopeSE)} ms/req × ${model.option} (R² ${f.r2.toFixed(2)}, ${f.n} pairs over ${model.configs.length} rates)`;
}
