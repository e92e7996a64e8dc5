import type { Interval, Verdict } from '../samples/analysis.js';

/** One step of `apm-bench bisect`: a version measured beside the baseline, and its budget's verdict. */
export interface BisectStep {
  version: string;
  config: string;
  verdict: Verdict;
  /** The step's value and CI in the budget's terms (a fraction for a relative budget), and that value as a reader sees it. */
  shown?: string;
  value?: number;
  ci?: Interval;
  note?: string;
  resultPath: string;
}

export interface BisectOutcome {
  agent: string;
  budget: string;
  /** The versions searched, good first and bad last. */
  versions: string[];
  steps: BisectStep[];
  /** The first version over the budget, and the last within it, when the search finished. */
  firstBad?: string;
  lastGood?: string;
  /** Why it stopped early, when it did. */
  stopped?: string;
  exitCode: number;
}

/** "1.2.0: FAIL +52.3% [+40.1%, +65.0%]". */
export function stepText(step: BisectStep): string {
  return `${step.version}: ${step.verdict.toUpperCase()}${step.shown ? ` ${step.shown}` : ''}${step.note && step.verdict === 'inconclusive' ? ` — ${step.note}` : ''}`;
}

/** Every step in version order, then the answer (or why the search stopped), and the result files. */
export function renderBisect(outcome: BisectOutcome): string {
  const lines = [`\nbisect ${outcome.agent}, budget ${outcome.budget}, over ${outcome.versions.length} versions ${outcome.versions[0]} … ${outcome.versions.at(-1)}:`];
  for (const step of [...outcome.steps].sort((a, b) => outcome.versions.indexOf(a.version) - outcome.versions.indexOf(b.version))) lines.push(`  ${stepText(step)}`);
  if (outcome.firstBad) {
    const step = outcome.steps.find((s) => s.version === outcome.firstBad)!;
    lines.push('', `First version over the budget: ${outcome.firstBad} (${stepText(step).replace(/^[^:]+: /, '')}); the last within it: ${outcome.lastGood}.`);
  } else if (outcome.stopped) {
    lines.push('', `Stopped: ${outcome.stopped}.`);
  }
  lines.push(`Result files: ${outcome.steps.map((s) => s.resultPath).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
