import type { BudgetVerdict } from '../analysis/budgets.js';
import { minimumDetectableEffect, pairsToDetect, type Verdict } from '../analysis/stats.js';
import { ExitCode } from '../errors.js';
import type { Calibration, RunSample } from '../samples/result.js';
import { exclusionReasons } from '../samples/result.js';

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
