import type { Analysis } from '../analysis/analyse.js';
import { minimumDetectableEffect, type Verdict } from '../analysis/stats.js';
import type { Calibration } from '../samples/result.js';

export type InconclusivePolicy = 'pass' | 'fail' | 'error';

export const GateExit = { pass: 0, fail: 1, inconclusive: 3, runBroke: 4 } as const;

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
 * Noise guard: a relative budget tighter than what this many rounds can detect
 * (per the scenario's calibration) cannot be decided fairly, so it is
 * inconclusive, never a coin-flip pass or fail.
 */
export function applyNoiseGuard(budgets: Analysis['budgets'], calibration: Calibration | undefined, rounds: number): Analysis['budgets'] {
  if (!calibration) return budgets;
  return budgets.map((b) => {
    const entry = calibration.metrics[b.budget.metric];
    if (b.budget.kind !== 'relative' || !entry) return b;
    const mde = minimumDetectableEffect(entry.logRatioSD, rounds);
    if (b.budget.limit >= mde) return b;
    return { ...b, verdict: 'inconclusive' as const, note: `inconclusive: budget below detectable effect (${rounds} rounds detect ≥ ${(mde * 100).toFixed(0)}% on this machine)` };
  });
}

/** The overall verdict and exit code: any fail → 1; else any inconclusive → per policy; a broken run → 4. */
export function decide(cases: readonly GateCase[], policy: InconclusivePolicy, runBroke: boolean): GateOutcome {
  const anyFail = cases.some((c) => c.verdict === 'fail');
  const anyInconclusive = cases.some((c) => c.verdict === 'inconclusive');
  const verdict: Verdict = anyFail ? 'fail' : anyInconclusive ? 'inconclusive' : 'pass';
  let exitCode: number = verdict === 'fail' ? GateExit.fail : verdict === 'pass' ? GateExit.pass
    : policy === 'pass' ? GateExit.pass : policy === 'fail' ? GateExit.fail : GateExit.inconclusive;
  if (runBroke) exitCode = GateExit.runBroke;
  return { verdict, exitCode, cases: [...cases], runBroke };
}
