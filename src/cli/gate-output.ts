import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Analysis } from '../analysis/analyse.js';
import { formatChange } from '../report/format.js';
import { formatDelta } from '../report/analysis-text.js';
import { renderAnnotations, renderGateMarkdown, renderJUnit } from '../report/ci.js';
import type { GateCase, GateOutcome } from '../gate/gate.js';

export interface GateFlags {
  junit?: string;
  markdown?: string;
}

export function budgetCases(budgets: Analysis['budgets']): GateCase[] {
  return budgets.map((b) => {
    const ci = b.budget.kind === 'relative' ? b.overheadCI : b.deltaCI;
    const fmt = (v: number) => (b.budget.kind === 'relative' ? formatChange(v) : formatDelta(b.budget.metric, v));
    const measured = ci ? `${fmt(b.value ?? (ci.low + ci.high) / 2)} [${fmt(ci.low)}, ${fmt(ci.high)}], budget ${b.budget.text.split('≤ ')[1] ?? b.budget.text}` : 'no valid paired runs';
    return { config: b.config, check: b.budget.text, verdict: b.verdict, measured, ...(b.note ? { note: b.note } : {}) };
  });
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** JUnit and Markdown files when asked, the GitHub step summary when set, annotations in GitHub Actions. */
export function emitGateOutputs(title: string, outcome: GateOutcome, flags: GateFlags, warnings: readonly string[] = []): void {
  const markdown = renderGateMarkdown(title, outcome, warnings);
  if (flags.junit) write(flags.junit, renderJUnit(title, outcome));
  if (flags.markdown) write(flags.markdown, markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  if (process.env.GITHUB_ACTIONS === 'true') {
    const annotations = renderAnnotations(outcome);
    if (annotations) process.stdout.write(`${annotations}\n`);
  }
}

export function renderGateText(outcome: GateOutcome): string {
  const lines = [`Gate: ${outcome.verdict.toUpperCase()} (exit ${outcome.exitCode})`];
  for (const c of outcome.cases) lines.push(`  ${c.verdict.toUpperCase().padEnd(12)} ${c.config} ${c.check}: ${c.measured}${c.note ? ` — ${c.note}` : ''}`);
  return `${lines.join('\n')}\n`;
}
