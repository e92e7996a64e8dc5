import type { Analysis } from '../analysis/analyse.js';
import { interactionText } from '../analysis/interaction.js';
import { brokenRouteText } from '../analysis/behaviour.js';
import { tracedText } from '../analysis/integrations.js';
import type { Estimate } from '../samples/analysis.js';
import { describeMetric, metrics } from '../samples/metrics.js';
import { formatChange } from '../samples/units.js';
import { rateModelText, sampleRateModelText } from './input.js';

export function formatEstimate(e: Estimate): string {
  // One pair has no spread to build an interval from: say so rather than print a broken one.
  const ci = Number.isFinite(e.overheadCI.high) && Number.isFinite(e.overheadCI.low)
    ? `[${formatChange(e.overheadCI.low)}, ${formatChange(e.overheadCI.high)}]` : '[no CI: one pair]';
  return `${metrics[e.metric].label} ${formatChange(e.overhead)} ${ci} (${metrics[e.metric].formatDelta(e.delta)})`;
}

const marker: Record<Estimate['significance'], string> = {
  'significant overhead': '▲',
  'significant improvement': '▼',
  'no significant difference': '≈',
};

/** Overheads with 95% CIs, budget verdicts, exclusions and sample-rate models, as plain text. */
export function renderAnalysis(analysis: Analysis): string {
  const lines: string[] = [...behaviourLines(analysis), ...instrumentationLines(analysis)];
  const configs = [...new Set(analysis.estimates.map((e) => e.config))];
  if (configs.length) {
    lines.push(`Overhead against ${analysis.baseline}: geometric mean of per-pair ratios, [95% CI], (absolute change); ▲ significant, ≈ not`);
    const width = Math.max(...configs.map((c) => c.length));
    for (const config of configs) {
      const own = analysis.estimates.filter((e) => e.config === config);
      const cpu = own.find((e) => e.metric === 'cpuMsPerRequest');
      const rest = own.filter((e) => e.metric !== 'cpuMsPerRequest' && e.metric !== 'latencyP50Us');
      const head = cpu ? `${marker[cpu.significance]} ${formatEstimate(cpu)} p=${cpu.pValue < 0.001 ? '<0.001' : cpu.pValue.toFixed(3)}, ${cpu.pairs} pairs` : 'no valid pairs';
      lines.push(`  ${config.padEnd(width)}  ${head}`);
      lines.push(`  ${''.padEnd(width)}    ${rest.map((e) => `${marker[e.significance]} ${formatEstimate(e)}`).join('   ')}`);
      const outliers = own.flatMap((e) => e.perPair.filter((p) => p.outlier).map((p) => `${metrics[e.metric].label} round ${p.round + 1}`));
      if (outliers.length) lines.push(`  ${''.padEnd(width)}    outliers (kept): ${outliers.join(', ')}`);
    }
  }
  if (analysis.interactions?.length) lines.push('', 'Agents stacked together:', ...analysis.interactions.map((i) => `  ${interactionText(i)}`));
  if (analysis.budgets.length) {
    lines.push('', 'Budgets (fail: clearly over; pass: clearly within; otherwise inconclusive):');
    for (const b of analysis.budgets) {
      const ci = b.ci;
      const shown = !ci ? '' : b.budget.kind === 'relative'
        ? ` CI [${formatChange(ci.low)}, ${formatChange(ci.high)}]`
        : ` CI [${describeMetric(b.budget.metric).formatDelta(ci.low)}, ${describeMetric(b.budget.metric).formatDelta(ci.high)}]`;
      lines.push(`  ${b.verdict.toUpperCase().padEnd(12)} ${b.config}: ${b.budget.text}${shown}${b.note ? ` — ${b.note}` : ''}`);
    }
  }
  if (analysis.rateModels.length) {
    lines.push('', 'CPU against offered rate (cpu ms/s = fixed + marginal × req/s, least squares, ± standard errors):');
    for (const model of analysis.rateModels) lines.push(`  ${rateModelText(model)}`);
  }
  for (const model of analysis.sampleRateModels) {
    lines.push('', `Sample-rate model (${model.configs.join(', ')}): ${sampleRateModelText(model)}`);
  }
  if (analysis.exclusions.length) {
    lines.push('', 'Excluded from the estimates:');
    for (const x of analysis.exclusions) {
      lines.push(`  ${x.config}: ${x.excludedRuns} run(s) — ${Object.entries(x.reasons).map(([reason, n]) => `${reason} ×${n}`).join(', ')}`);
    }
  }
  if (analysis.guarantees.length) lines.push('', 'What the markers and verdicts guarantee:', ...analysis.guarantees.map((g) => `  · ${g}`));
  return `${lines.join('\n')}\n`;
}

/** Findings that come before any overhead: the app answered differently under an agent, or a route fails for everyone. */
export function behaviourLines(analysis: Pick<Analysis, 'behaviour' | 'brokenRoutes'>): string[] {
  const lines: string[] = [];
  if (analysis.brokenRoutes?.length) lines.push('Scenario errors:', ...analysis.brokenRoutes.map((r) => `  ${brokenRouteText(r)}`), '');
  if (analysis.behaviour?.length) {
    lines.push('Behaviour changes (the app answered differently under the agent; its figures are per successful request):');
    for (const change of analysis.behaviour) {
      const ci = change.ci ? ` [95% CI of the extra share ${points(change.ci.low)}, ${points(change.ci.high)}]` : '';
      lines.push(`  ${change.finding}${ci}, over ${change.pairs} pair${change.pairs === 1 ? '' : 's'}`);
      for (const [route, kinds] of Object.entries(change.routes)) {
        lines.push(`    ${route}: ${Object.entries(kinds).sort(([, a], [, b]) => b - a).map(([kind, n]) => `${n}× ${kind}`).join(', ')}`);
      }
    }
    lines.push('');
  }
  return lines;
}

/**
 * What each agent instrumented, from the spans its intake received, with the integrations that did not attach first:
 * an agent that traced less than production would measures less than production pays.
 */
export function instrumentationLines(analysis: Pick<Analysis, 'instrumentation'>): string[] {
  const reports = analysis.instrumentation ?? [];
  if (!reports.length) return [];
  const lines = ['What each agent instrumented (from its own payloads):'];
  for (const report of reports) for (const miss of report.missing.filter((m) => m.framework)) lines.push(`  ⚠ ${report.config}: ${miss.text}`);
  for (const report of reports) {
    lines.push(`  ${report.config}: ${tracedText(report)}${report.loading ? `; loaded with ${report.loading}` : ''}`);
    const top = report.spanNames.slice(0, 4).map((s) => `${s.name} ${s.perRequest.toPrecision(2)}/req`);
    if (top.length) lines.push(`    spans: ${top.join(', ')}`);
    for (const miss of report.missing.filter((m) => !m.framework)) lines.push(`    note: ${miss.text}`);
  }
  lines.push('');
  return lines;
}

const points = (share: number) => `${share >= 0 ? '+' : '−'}${(Math.abs(share) * 100).toFixed(1)} pts`;
