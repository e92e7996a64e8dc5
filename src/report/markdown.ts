import { pricingSources } from '../cost/pricing.js';
import { metrics } from '../samples/metrics.js';
import { SIMULATED_NOTE } from '../samples/result.js';
import { formatChange } from '../samples/units.js';
import { describeDesign } from './describe.js';
import { markdownText as md } from './escape.js';
import { renderAttributionMarkdown } from './attribution.js';
import { renderSoakMarkdown } from './soak.js';
import { interactionText } from '../analysis/interaction.js';
import { behaviourLines, instrumentationLines } from './analysis-text.js';
import { claimRows, executiveSummary, priceNotes, rateModelText, sampleRateModelText, usd, type ReportInput } from './input.js';

/** The report for pull requests and step summaries: summary, overhead, cost, claims, method. */
export function renderMarkdownReport(input: ReportInput): string {
  const { result, analysis } = input;
  const lines: string[] = [`# apm-bench report: ${md(result.scenario.name)}`, ''];
  if (result.simulation) lines.push(`> **${SIMULATED_NOTE}**`, '');
  lines.push(`${describeDesign(result)}; ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC.`, '');
  lines.push('## Summary', '', ...executiveSummary(input).map((s) => `- **${md(s.config)}** (${md(s.description)}): ${s.text}`), '');

  const behaviour = behaviourLines(analysis);
  if (behaviour.length) lines.push('## Behaviour changes', '', '```', ...behaviour.filter((l, i, all) => l || i < all.length - 1), '```', '');
  const instrumented = instrumentationLines(analysis).filter(Boolean);
  if (instrumented.length) lines.push('## What each agent instrumented', '', '```', ...instrumented.slice(1), '```', '');
  lines.push('## Overhead', '', `Geometric mean of the per-pair ratios against \`${analysis.baseline}\`, with a 95% Student-t confidence interval.`, '');
  lines.push('| config | valid runs | CPU ms/req | CPU overhead [95% CI] | verdict | RSS | p99 | telemetry/req |', '|---|---|---|---|---|---|---|---|');
  for (const row of input.rows) {
    const { cpuMsPerRequest: cpu, rssMeanBytes: rss, latencyP99Us: p99 } = row.cells;
    const overhead = cpu.estimate ? `${formatChange(cpu.estimate.overhead)} [${formatChange(cpu.estimate.overheadCI.low)}, ${formatChange(cpu.estimate.overheadCI.high)}]` : '—';
    const rssText = `${rss.text}${rss.estimate ? ` (${metrics.rssMeanBytes.formatDelta(rss.estimate.delta)})` : ''}`;
    const p99Text = `${p99.text} µs${p99.change !== undefined ? ` (${formatChange(p99.change)})` : ''}`;
    lines.push(`| ${md(row.config)} | ${row.validRuns}/${row.runs} | ${row.cpuText} | ${overhead} | ${row.marker} | ${rssText} | ${p99Text} | ${row.telemetry || '—'} |`);
  }
  if (analysis.interactions?.length) lines.push('', ...analysis.interactions.map((i) => `- ${interactionText(i)}`));
  if (analysis.budgets.length) {
    lines.push('', '| budget | config | verdict |', '|---|---|---|');
    for (const b of analysis.budgets) lines.push(`| ${md(b.budget.text)} | ${md(b.config)} | ${b.verdict}${b.note ? ` (${b.note})` : ''} |`);
  }
  if (analysis.rateModels.length) {
    lines.push('', 'CPU against offered rate (cpu ms/s = fixed + marginal × req/s; the cost projection uses it at your traffic per ' +
      'instance):', '', ...analysis.rateModels.map((m) => `- ${rateModelText(m)}`));
  }
  if (analysis.sampleRateModels.length) {
    lines.push('', 'CPU against sample rate (least squares over the per-pair deltas):', '', ...analysis.sampleRateModels.map((m) => `- ${sampleRateModelText(m)}`));
  }

  const soak = renderSoakMarkdown(analysis);
  if (soak.length) lines.push('', ...soak);

  lines.push('', `## Monthly cost at ${input.traffic}`, '', `Pricing ${input.pricing.pricing_version}: ${pricingSources(input.pricing).join('; ')}.`, '');
  lines.push('| config | total / month | range | compute + memory | vendor | hosts (p99 hour) |', '|---|---|---|---|---|---|');
  for (const c of input.costs) {
    lines.push(`| ${md(c.config)} | ${usd(c.totalUsd)} | ${usd(c.lowUsd)}–${usd(c.highUsd)} | ${usd(c.infrastructure.reduce((s, l) => s + l.usd, 0))} | ` +
      `${usd(c.vendor.reduce((s, l) => s + l.usd, 0))} | ${c.fleet.p99Hosts.toFixed(2)} |`);
  }
  lines.push('', ...input.costs.map((c) => `- ${c.config}: range ${c.rangeNote ?? 'n/a'}. What would change it: ${c.drivers ?? 'n/a'}`));
  lines.push('', '<details><summary>Formula inputs</summary>', '');
  for (const c of input.costs) for (const l of [...c.infrastructure, ...c.vendor]) lines.push(`- ${c.config} · ${l.label}: ${usd(l.usd)} = ${l.formula}`);
  lines.push('', '</details>');

  if (result.profiling) lines.push('', ...renderAttributionMarkdown(result.profiling));

  lines.push('', '## Claims check', '', 'Claims from the seed setup guides, none of them measured there, set against this run.', '');
  lines.push('| claim | source | config | measured | verdict |', '|---|---|---|---|---|');
  for (const row of claimRows(input)) lines.push(`| ${row.claim} | ${row.source} | ${md(row.config)} | ${row.measured} | ${row.verdict} |`);
  lines.push('', ...priceNotes.map((n) => `- ${n}`));

  const env = result.environment;
  lines.push('', '## Method and machine', '');
  lines.push(...(analysis.guarantees ?? []).map((g) => `- ${g}`));
  lines.push(`- ${env.cpuCount}× ${env.cpuModel}, Node ${env.nodeVersion}, load average ${env.loadAverageStart.join(' ')}; ${env.pinning.note}.`);
  lines.push(`- Packages: ${Object.entries(env.packages).map(([n, v]) => `${n} ${v}`).join(', ')}.`);
  lines.push(`- Load: ${result.loadModel}`);
  lines.push(`- Result file schema v${result.schemaVersion}; scenario sha256 \`${result.scenario.sha256.slice(0, 12)}\`.`);
  return `${lines.join('\n')}\n`;
}
