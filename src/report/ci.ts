import type { GateCase, GateOutcome } from '../gate/gate.js';
import { annotationMessage, annotationProperty, markdownText, oneLine, xmlText as xml } from './escape.js';

/** JUnit XML: one test case per config × budget; fail → <failure>, inconclusive → <skipped>. */
export function renderJUnit(suite: string, outcome: GateOutcome): string {
  const failures = outcome.cases.filter((c) => c.verdict === 'fail').length;
  const skipped = outcome.cases.filter((c) => c.verdict === 'inconclusive').length;
  const cases = outcome.cases.map((c) => {
    const message = `${c.config} ${c.check}: ${c.measured}${c.note ? ` (${c.note})` : ''}`;
    const body = c.verdict === 'fail' ? `\n      <failure message="${xml(message)}" type="budget">${xml(message)}</failure>\n    `
      : c.verdict === 'inconclusive' ? `\n      <skipped message="${xml(`inconclusive: ${message}`)}"/>\n    ` : '';
    return `    <testcase classname="apm-bench.${xml(c.config)}" name="${xml(c.check)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="apm-bench" tests="${outcome.cases.length}" failures="${failures}" skipped="${skipped}">
  <testsuite name="${xml(suite)}" tests="${outcome.cases.length}" failures="${failures}" skipped="${skipped}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}

const icon: Record<GateCase['verdict'], string> = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' };

/** apm-bench's own text in a table cell (figures, intervals): one line, pipes escaped. Names go through markdownText. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}

/** A Markdown summary for pull requests and $GITHUB_STEP_SUMMARY. */
export function renderGateMarkdown(title: string, outcome: GateOutcome, warnings: readonly string[] = []): string {
  const lines = [`### apm-bench: ${markdownText(title)} — ${icon[outcome.verdict]}`, ''];
  for (const warning of warnings) lines.push(`> **Warning:** ${markdownText(warning)}`, '');
  if (outcome.runBroke) lines.push('> **The run itself broke** (a target crashed or no run was valid); see the log.', '');
  lines.push('| verdict | config | budget | measured (95% CI) | note |', '|---|---|---|---|---|');
  for (const c of outcome.cases) lines.push(`| ${icon[c.verdict]} | ${markdownText(c.config)} | ${markdownText(c.check)} | ${cell(c.measured)} | ${cell(c.note ?? '')} |`);
  lines.push('', 'fail: clearly over the budget · pass: clearly within it · inconclusive: the data cannot tell yet. ' +
    'The chance of any false fail, or any false pass, among the overhead budgets is at most 2.5% (Holm); growth budgets are their own family, and each ' +
    'money budget is judged alone on its 95% range.');
  return `${lines.join('\n')}\n`;
}

/** GitHub workflow commands: an error annotation per failed budget, a warning per inconclusive one. */
export function renderAnnotations(outcome: GateOutcome): string {
  return outcome.cases
    .filter((c) => c.verdict !== 'pass')
    .map((c) => `::${c.verdict === 'fail' ? 'error' : 'warning'} title=${annotationProperty(`apm-bench ${c.config}`)}::` +
      annotationMessage(`${c.check}: ${c.measured}${c.note ? ` (${c.note})` : ''}`))
    .join('\n');
}

/** The gate's verdict and every case, for the terminal. */
export function renderGateText(outcome: GateOutcome): string {
  const lines = [`Gate: ${outcome.verdict.toUpperCase()} (exit ${outcome.exitCode})`];
  for (const c of outcome.cases) lines.push(`  ${c.verdict.toUpperCase().padEnd(12)} ${c.config} ${c.check}: ${c.measured}${c.note ? ` — ${c.note}` : ''}`);
  return `${lines.join('\n')}\n`;
}
