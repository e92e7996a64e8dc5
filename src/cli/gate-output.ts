import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Analysis } from '../analysis/analyse.js';
import { formatChange } from '../report/format.js';
import { formatDelta } from '../report/analysis-text.js';
import { renderAnnotations, renderGateMarkdown, renderJUnit } from '../report/ci.js';
import { excludedBaselineNote, noiseFloorNote, type GateCase, type GateOutcome } from '../gate/gate.js';
import type { Calibration, ResultDocument } from '../samples/result.js';

export interface GateFlags {
  junit?: string;
  markdown?: string;
}

/** One gate case per budget verdict, with the notes a reader needs: the noise floor's plan, pairs left out. */
export function budgetCases(result: Pick<ResultDocument, 'runs' | 'scenario'>, analysis: Analysis, calibration: Calibration | undefined): GateCase[] {
  const rounds = Math.max(...analysis.looks.rounds, 0);
  return analysis.budgets.map((b) => {
    const fmt = (v: number) => (b.budget.kind === 'relative' ? formatChange(v) : formatDelta(b.budget.metric, v));
    const limit = b.budget.text.split('≤ ')[1] ?? b.budget.text;
    const measured = b.ci && b.value !== undefined ? `${fmt(b.value)} [${fmt(b.ci.low)}, ${fmt(b.ci.high)}], budget ${limit}` : 'no valid paired runs';
    const decided = b.decidedAfterRounds !== undefined && analysis.looks.rounds.length > 1 ? `decided after ${b.decidedAfterRounds} rounds` : undefined;
    const notes = [decided, b.note, noiseFloorNote(b, calibration, rounds), excludedBaselineNote(result.runs, b.config, result.scenario.baseline)].filter(Boolean);
    return { config: b.config, check: b.budget.text, verdict: b.verdict, measured, ...(notes.length ? { note: notes.join('; ') } : {}) };
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
