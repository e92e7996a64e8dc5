import type { BehaviourMetric, GrowthMetric, MetricName, VolumeMetric } from './metrics.js';

/**
 * The shapes of what the analysis derives and the result file keeps: a data
 * contract, like the runs. The functions that compute them live in
 * src/analysis/.
 */

export interface Interval {
  low: number;
  high: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type Significance = 'significant overhead' | 'significant improvement' | 'no significant difference';

export interface PairValue {
  pair: number;
  round: number;
  value: number;
  baselineValue: number;
  logRatio: number;
  outlier: boolean;
}

/** One config against the baseline on one metric, over the pairs where both ran validly. */
export interface Estimate {
  config: string;
  baseline: string;
  metric: MetricName;
  /** The offered rate the pairs ran at. */
  rateRps?: number;
  pairs: number;
  /** Geometric mean of the per-pair config/baseline ratios − 1 (0.25 = +25%), and its 95% Student-t CI. */
  overhead: number;
  overheadCI: Interval;
  /** Mean per-pair difference in the metric's own unit (ms, bytes, µs…), and its 95% CI. */
  delta: number;
  deltaCI: Interval;
  /** Two-sided paired t test of the log-ratios against 0. */
  pValue: number;
  /**
   * ▲/▼/≈ after multiplicity control (Benjamini–Hochberg over the configs for
   * the primary metric, and over configs × metrics for the rest).
   */
  significance: Significance;
  perPair: PairValue[];
}

export interface Exclusions {
  config: string;
  excludedRuns: number;
  reasons: Record<string, number>;
}

export interface LineFit {
  intercept: number;
  slope: number;
  interceptSE: number;
  slopeSE: number;
  r2: number;
  n: number;
}

export interface SampleRateModel {
  kind: string;
  /** The option that was swept (sampleRate, tracesSampleRate, ratio). */
  option: string;
  metric: 'cpuMsPerRequest';
  configs: string[];
  fit: LineFit;
}

/**
 * CPU per second against the offered rate: cpu ms/s = fixed ms/s + marginal
 * ms/request × req/s, for a config and (against the baseline) its overhead.
 */
export interface RateModel {
  config: string;
  ratesRps: number[];
  /** intercept = fixed ms/s, slope = marginal ms/request. */
  fit: LineFit;
  /** The same for the overhead against the baseline (absent for the baseline itself). */
  overhead?: LineFit;
}

export interface Budget {
  /** Config name or glob (`datadog@*`). */
  config: string;
  metric: MetricName | VolumeMetric | GrowthMetric | BehaviourMetric;
  kind: 'relative' | 'absolute' | 'volume' | 'growth';
  /**
   * Fraction for relative (0.15 = +15%); the metric's own unit for absolute (ms, µs, bytes; a share of requests for
   * errors: 0.005 = +0.5 points); its unit per hour for growth (MB/h).
   */
  limit: number;
  /** As the user wrote it, for messages. */
  text: string;
}

/** `cost: "$2000/month"`: the projected monthly bill of a config at the run's traffic, judged on the bill's range. */
export interface MoneyBudget {
  config: string;
  limitUsdPerMonth: number;
  text: string;
}

export interface BudgetVerdict {
  budget: Budget;
  config: string;
  verdict: Verdict;
  /** Why it is inconclusive (or how it was decided), in words. */
  note?: string;
  /** In the budget's terms: the overhead fraction (relative), the mean difference (absolute), or the mean per-request volume. */
  value?: number;
  /** The 95% CI of `value` on all the data. */
  ci?: Interval;
  /** Pairs (or runs, for volumes) the verdict rests on. */
  n: number;
  /** Holm-adjusted one-sided p-values for "over the budget" and "within it", at the look that decided it (or the last). */
  pOver?: number;
  pWithin?: number;
  /** Rounds of data when the verdict was reached (with rounds: auto, an earlier look may decide it). */
  decidedAfterRounds?: number;
}

/** The rounds at which verdicts are looked at: every round from `min` under rounds: auto, else once at the end. */
export interface LookSchedule {
  /** Rounds of data at each look, ascending. */
  rounds: number[];
  /** The most rounds the session could have run (the information fraction's denominator). */
  maxRounds: number;
}

/** A slope per hour with its 95% CI. */
export interface Slope {
  perHour: number;
  ci: Interval;
}

/** How fast one quantity grew over a config's soak windows, on its own and against the baseline beside it. */
export interface Growth {
  config: string;
  metric: GrowthMetric;
  /** Soak windows (pairs) it rests on, and samples per window after warm-up. */
  windows: number;
  samples: number;
  /** The config's own slope (Theil–Sen, moving-block bootstrap CI). */
  own: Slope;
  /** The slope of the config's series minus its baseline's, sample by sample: the machine's drift cancels. Absent for the baseline. */
  paired?: Slope;
  /** The smallest growth (of `paired`, or `own` for the baseline) this soak detects 80% of the time at 5%: 2.8 standard errors. */
  detectablePerHour: number;
  /** "grows", "shrinks" or "no growth detected": whether the CI (paired where there is one) excludes 0. */
  finding: 'grows' | 'shrinks' | 'no growth detected';
}

/** Agents stacked in one process against the sum of their separate costs (CPU per request, each against its own baselines). */
export interface Interaction {
  config: string;
  members: string[];
  /** The stack's mean extra CPU per request, and the sum of its members'. */
  stackDeltaMs: number;
  sumOfPartsMs: number;
  /** stack ÷ sum. */
  ratio: number;
  /** stack − sum, with a 95% CI: beyond noise when it excludes 0. */
  interactionMs: number;
  ci: Interval;
  finding: 'more than the sum' | 'less than the sum' | 'about the sum';
}

/** A config whose requests failed where the baseline's beside it did not: the agent changed what the app does. */
export interface BehaviourChange {
  config: string;
  /** Failed ÷ sent over the config's measured windows, and over the baseline windows paired with them. */
  failedShare: number;
  baselineFailedShare: number;
  /** Pairs it rests on, and the mean per-pair difference in failed share with its 95% CI (with 2 pairs or more). */
  pairs: number;
  difference: number;
  ci?: Interval;
  /** What failed, over the config's windows: a status, "timeout" or "socket error" → count. */
  failures: Record<string, number>;
  /** The same per route (`METHOD /path`). */
  routes: Record<string, Record<string, number>>;
  /** The headline: "sentry@1: 41.0% of requests answered 503 (baseline 0%): the app shed load". */
  finding: string;
}

/** A route that failed for every config, the baseline included: the scenario's error, not an agent's. */
export interface BrokenRoute {
  route: string;
  /** What it failed with, over every config's windows. */
  failures: Record<string, number>;
  /** Failed ÷ answered on this route, over every config. */
  failedShare: number;
}

export interface SoakAnalysis {
  /** How the slopes were made and what was left out as warm-up, in words. */
  method: string;
  growth: Growth[];
}

export interface Analysis {
  baseline: string;
  confidence: number;
  /** The offered rate of `estimates` (the first of the workload's rates). */
  rateRps: number;
  estimates: Estimate[];
  /** With several offered rates: the CPU overhead of every config at each rate. */
  rateEstimates: Estimate[];
  exclusions: Exclusions[];
  sampleRateModels: SampleRateModel[];
  /** With several offered rates: CPU ms/s = fixed + marginal × rate, per config and per overhead. */
  rateModels: RateModel[];
  budgets: BudgetVerdict[];
  /** The looks the budget verdicts were taken at. */
  looks: LookSchedule;
  /** What the markers and verdicts guarantee, in words, for every output to print. */
  guarantees: string[];
  /** Soak sessions: memory and CPU growth per config. */
  soak?: SoakAnalysis;
  /** Stacks whose members were also measured alone: does the stack cost more than the sum of its parts? */
  interactions?: Interaction[];
  /** Configs whose requests failed where the baseline's did not (503 shedding, 429s, timeouts): the top finding for each. */
  behaviour?: BehaviourChange[];
  /** Routes that failed for every config: the scenario is wrong there. */
  brokenRoutes?: BrokenRoute[];
  /** What each agent instrumented, from its own payloads, and the integrations that did not attach. */
  instrumentation?: InstrumentationReport[];
}

/** What one agent config traced, read from the spans its intake received. */
export interface InstrumentationReport {
  config: string;
  /** The agent package ("dd-trace"). */
  agent: string;
  /** How it was loaded ("--import dd-trace/initialize.mjs (ESM)"). */
  loading?: string;
  spansPerRequest: number;
  /** Every named item per request (New Relic's are transactions and segments, not spans): what the traced line counts when it sends no spans. */
  namedPerRequest: number;
  /** Spans per request by the library that made them (fastify, pg, mysql2, http…), most first. */
  libraries: Array<{ module: string; spansPerRequest: number }>;
  /** The vendor's own span labels, most frequent first (at most 12). */
  spanNames: Array<{ name: string; perRequest: number }>;
  /** Libraries the app depends on and the agent instruments, with no span: `framework` ones are certain misses. */
  missing: Array<{ module: string; framework: boolean; text: string }>;
}

/** The estimate of one config on one metric, if it has valid pairs: the one lookup every reader uses. */
export function estimateOf(analysis: Pick<Analysis, 'estimates'>, config: string, metric: MetricName): Estimate | undefined {
  return analysis.estimates.find((e) => e.config === config && e.metric === metric);
}
