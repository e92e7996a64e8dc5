import { minimumDetectableEffect, pairsToDetect } from '../analysis/stats.js';
import { ExitCode } from '../errors.js';
import { configMatches } from '../analysis/budgets.js';
import type { ConfigCost } from '../cost/project.js';
import type { Analysis, BudgetVerdict, MoneyBudget, Verdict } from '../samples/analysis.js';
import { describeMetric } from '../samples/metrics.js';
import { exclusionReasons, type Calibration, type ResultDocument, type RunSample } from '../samples/result.js';
import { formatChange } from '../samples/units.js';

export type InconclusivePolicy = 'pass' | 'fail' | 'error';

export interface GateCase {
  /** What is judged, e.g. "datadog@1" and "cpu ≤ +15%". */
  config: string;
  check: string;
  verdict: Verdict;
  /** Measured value, its CI and the limit, in words. */
  measured: string;
  note?: string;
}

export interface GateOutcome {
  verdict: Verdict;
  exitCode: number;
  cases: GateCase[];
  runBroke: boolean;
}

/**
 * The noise floor as advice, never as a verdict: a relative budget tighter than
 * what the session's rounds can detect on this machine (per its calibration)
 * gets a plan — how many rounds would tell it from no overhead. A decided
 * verdict is left alone: a CI far above a tight budget is still a fail.
 */
export function noiseFloorNote(verdict: BudgetVerdict, calibration: Calibration | undefined, rounds: number): string | undefined {
  const entry = calibration?.metrics[verdict.budget.metric];
  if (!entry || verdict.budget.kind !== 'relative' || verdict.verdict !== 'inconclusive') return undefined;
  const detectable = minimumDetectableEffect(entry.logRatioSD, rounds);
  if (verdict.budget.limit >= detectable) return undefined;
  const needed = pairsToDetect(entry.logRatioSD, verdict.budget.limit);
  return `the budget is below what ${rounds} rounds detect on this machine (≥ ${(detectable * 100).toFixed(1)}%); ` +
    (needed ? `≈ ${needed} rounds would tell it from no overhead` : 'no practical number of rounds would');
}

/**
 * Pairs left out of a budgeted config's verdict because the baseline beside it
 * was excluded or broke, so a gate never silently rests on fewer pairs.
 */
export function excludedBaselineNote(runs: readonly RunSample[], config: string, baseline: string): string | undefined {
  const reasons: string[] = [];
  for (const run of runs) {
    if (run.config !== config || run.status !== 'measured' || run.exclusions.length) continue;
    const partner = runs.find((other) => other.pair === run.pair && other.config === baseline);
    if (partner && (partner.status !== 'measured' || partner.exclusions.length)) reasons.push(exclusionReasons(partner)[0]!.split(':')[0]!);
  }
  if (!reasons.length) return undefined;
  return `${reasons.length} pair(s) left out because the baseline beside it was excluded (${[...new Set(reasons)].join(', ')})`;
}

/** The overall verdict and exit code: any fail → 1; else any inconclusive → per policy; a broken run → 4. */
export function decide(cases: readonly GateCase[], policy: InconclusivePolicy, runBroke: boolean): GateOutcome {
  const anyFail = cases.some((c) => c.verdict === 'fail');
  const anyInconclusive = cases.some((c) => c.verdict === 'inconclusive');
  const verdict: Verdict = anyFail ? 'fail' : anyInconclusive ? 'inconclusive' : 'pass';
  let exitCode: number = verdict === 'fail' ? ExitCode.budgetFailed : verdict === 'pass' ? ExitCode.ok
    : policy === 'pass' ? ExitCode.ok : policy === 'fail' ? ExitCode.budgetFailed : ExitCode.inconclusive;
  if (runBroke) exitCode = ExitCode.runBroke;
  return { verdict, exitCode, cases: [...cases], runBroke };
}

/** One gate case per budget verdict, with the notes a reader needs: how it was decided, the noise floor's plan, pairs left out. */
export function budgetCases(result: Pick<ResultDocument, 'runs' | 'scenario'>, analysis: Pick<Analysis, 'budgets' | 'looks'>, calibration: Calibration | undefined): GateCase[] {
  const rounds = Math.max(...analysis.looks.rounds, 0);
  return analysis.budgets.map((b) => {
    const fmt = (v: number) => (b.budget.kind === 'relative' ? formatChange(v) : describeMetric(b.budget.metric).formatDelta(v));
    const limit = b.budget.text.split('≤ ')[1] ?? b.budget.text;
    const measured = b.ci && b.value !== undefined ? `${fmt(b.value)} [${fmt(b.ci.low)}, ${fmt(b.ci.high)}], budget ${limit}` : 'no valid paired runs';
    const decided = b.decidedAfterRounds !== undefined && analysis.looks.rounds.length > 1 ? `decided after ${b.decidedAfterRounds} rounds` : undefined;
    const notes = [decided, b.note, noiseFloorNote(b, calibration, rounds), excludedBaselineNote(result.runs, b.config, result.scenario.baseline)].filter(Boolean);
    return { config: b.config, check: b.budget.text, verdict: b.verdict, measured, ...(notes.length ? { note: notes.join('; ') } : {}) };
  });
}

/**
 * Money budgets, judged on the bill's 95% range like any other budget: fail
 * when even its low end is over the limit, pass when its high end is within it,
 * inconclusive otherwise. (Each end is a 2.5% one-sided error; money budgets are
 * not in the Holm family of the metric budgets.) A budgeted config with no bill
 * (every run excluded or failed) is inconclusive, never left out of the gate.
 */
export function moneyCases(budgets: readonly MoneyBudget[], costs: readonly ConfigCost[], traffic: string, configs: readonly string[] = []): GateCase[] {
  const usd = (n: number) => `$${Math.round(n).toLocaleString('en-US')}`;
  return budgets.flatMap((budget) => {
    const billed = costs.filter((cost) => configMatches(budget.config, cost.config));
    const unbilled = configs.filter((name) => configMatches(budget.config, name) && !billed.some((cost) => cost.config === name));
    return [
      ...billed.map((cost): GateCase => ({
        config: cost.config,
        check: budget.text,
        verdict: cost.lowUsd > budget.limitUsdPerMonth ? 'fail' : cost.highUsd <= budget.limitUsdPerMonth ? 'pass' : 'inconclusive',
        measured: `${usd(cost.totalUsd)}/month [${usd(cost.lowUsd)}, ${usd(cost.highUsd)}] at ${traffic}, budget ${usd(budget.limitUsdPerMonth)}/month`,
        ...(cost.rangeNote ? { note: cost.rangeNote } : {}),
      })),
      ...unbilled.map((config): GateCase => ({
        config, check: budget.text, verdict: 'inconclusive', measured: 'no valid paired runs to bill', note: 'every run of this config was excluded or failed',
      })),
    ];
  });
}
