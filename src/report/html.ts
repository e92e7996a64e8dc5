import { describeConfig, describeDesign } from './describe.js';
import { formatDelta } from './analysis-text.js';
import { costRows, cpuOverheadRows, latencyCurves, rssRows, sampleRateData, telemetryRows } from './chart-data.js';
import { colourScale, costChart, cpuOverheadChart, latencyChart, rssChart, sampleRateChart, telemetryChart, type Chart } from './charts.js';
import { priceNotes } from './claims.js';
import { formatBytes, formatChange, formatMicros, formatNumber } from './format.js';
import { claimRows, executiveSummary, rateModelText, sampleRateModelText, usd, type ReportInput } from './input.js';
import { renderSvg } from './render-svg.js';
import { telemetryCell } from './table.js';
import { pricingSources } from '../cost/pricing.js';

/** The charts a result supports, in reading order; a chart without data is left out with the reason. */
export function chartsFor(input: ReportInput, colours = colourScale(input.result.configs.map((c) => c.name), input.result.scenario.baseline)): { charts: Chart[]; missing: string[] } {
  const { result, analysis } = input;
  const charts: Chart[] = [];
  const missing: string[] = [];
  const overhead = cpuOverheadRows(analysis);
  if (overhead.length) charts.push(cpuOverheadChart(overhead, colours, result.scenario.baseline));
  else missing.push('CPU overhead: no config has a valid run paired with a valid baseline run.');
  const latency = latencyCurves(result);
  if (latency.length) charts.push(latencyChart(latency, colours));
  const rates = sampleRateData(result, analysis);
  if (rates.points.length) charts.push(sampleRateChart(rates));
  else missing.push('Overhead against sample rate: no agent was measured at two or more sample rates (list several, e.g. `datadog: { sampleRate: [0.1, 1.0] }`).');
  const rss = rssRows(input.summaries, analysis);
  if (rss.length) charts.push(rssChart(rss, colours));
  const telemetry = telemetryRows(input.measures);
  if (telemetry.length) charts.push(telemetryChart(telemetry, colours));
  else missing.push('Telemetry volume: no config sent spans to an intake.');
  if (input.costs.length) charts.push(costChart(costRows(input.costs), input.traffic));
  return { charts, missing };
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => escapes[c]!);
}

/** Inline `code` spans in otherwise plain text. */
function prose(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

const badgeClass: Record<string, string> = {
  'significant overhead': 'bad', 'significant improvement': 'good', 'no significant difference': 'neutral',
  pass: 'good', fail: 'bad', inconclusive: 'warn', confirmed: 'good', refuted: 'bad', undecided: 'warn', baseline: 'neutral',
};
const badge = (text: string) => `<span class="badge ${badgeClass[text] ?? 'neutral'}">${esc(text)}</span>`;

/** Cells are HTML already; columns listed in `numeric` are right-aligned and never wrap. */
function table(head: string[], rows: string[][], numeric: number[] = []): string {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((cell, i) => `<td${cls(i)}>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function figure(chart: Chart, svg: string): string {
  return `<figure class="chart" id="chart-${chart.id}" data-chart="${chart.id}">
<h3>${esc(chart.title)}</h3>
${svg}
<figcaption><strong>How to read it:</strong> ${prose(chart.howToRead)}</figcaption>
</figure>`;
}

const styles = `
:root { --ink:#202124; --muted:#5f6368; --line:#e0e3e7; --bg:#fbfbfc; --good:#1e8e3e; --bad:#c5221f; --warn:#b06000; --accent:#4c78a8; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
main { max-width: 1040px; margin: 0 auto; padding: 32px 28px 64px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 2px 0; color: var(--muted); }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
section > p { max-width: 75ch; }
.summary { list-style: none; padding: 0; margin: 0; }
.summary li { background: white; border: 1px solid var(--line); border-left: 6px solid var(--swatch, var(--accent)); border-radius: 6px; padding: 10px 14px; margin: 8px 0; }
.summary .what { color: var(--muted); }
figure.chart { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px 12px; margin: 18px 0; break-inside: avoid; }
figure.chart svg { display: block; margin: 4px 0 8px; }
figcaption { color: var(--muted); font-size: 13px; max-width: 80ch; }
  .scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: white; font-size: 13.5px; margin: 10px 0; }
th, td { text-align: left; padding: 6px 9px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f1f3f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.good { background: #e6f4ea; color: var(--good); } .badge.bad { background: #fce8e6; color: var(--bad); }
.badge.warn { background: #fef7e0; color: var(--warn); } .badge.neutral { background: #f1f3f4; color: var(--muted); }
.formula { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; color: var(--muted); }
.note { color: var(--muted); font-size: 13px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; background: #f1f3f4; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
@media print {
  body { background: white; font-size: 12px; }
  main { max-width: none; padding: 0; }
  figure.chart, table, .summary li { break-inside: avoid; }
  h2 { break-after: avoid; }
}`;

/** The self-contained HTML report: charts rendered to SVG now, no script, no network at view time. */
export async function renderHtmlReport(input: ReportInput): Promise<string> {
  const { result, analysis } = input;
  const colours = colourScale(result.configs.map((c) => c.name), result.scenario.baseline);
  const { charts, missing } = chartsFor(input, colours);
  const svgs = new Map<string, string>();
  for (const chart of charts) svgs.set(chart.id, await renderSvg(chart.spec));
  const show = (id: string) => {
    const chart = charts.find((c) => c.id === id);
    return chart ? figure(chart, svgs.get(id)!) : '';
  };
  const swatch = (config: string) => colours.range[colours.domain.indexOf(config)] ?? '#4c78a8';
  const env = result.environment;
  const parts: string[] = [];

  parts.push(`<header>
<h1>apm-bench report: ${esc(result.scenario.name)}</h1>
<p>${prose(describeDesign(result))} · ${esc(result.startedAt.slice(0, 16).replace('T', ' '))} UTC · status ${esc(result.status)}</p>
<p>${esc(`${env.cpuCount}× ${env.cpuModel}, Node ${env.nodeVersion}, load average ${env.loadAverageStart.join(' ')}`)}</p>
</header>`);

  const sentences = executiveSummary(input);
  parts.push(`<section id="summary"><h2>Summary</h2>
<ul class="summary">
${sentences.map((s) => `<li style="--swatch:${swatch(s.config)}"><strong>${esc(s.config)}</strong> <span class="what">(${esc(s.description)})</span>: ${esc(s.text)}</li>`).join('\n')}
</ul>
${sentences.length ? '' : '<p>No instrumented config has valid runs to summarise.</p>'}
</section>`);

  const overheadRows = input.summaries.map((s) => {
    const cpu = analysis.estimates.find((e) => e.config === s.config && e.metric === 'cpuMsPerRequest');
    const rss = analysis.estimates.find((e) => e.config === s.config && e.metric === 'rssMeanBytes');
    const p99 = analysis.estimates.find((e) => e.config === s.config && e.metric === 'latencyP99Us');
    const record = result.configs.find((c) => c.name === s.config);
    const agent = record?.agent ? `<br><span class="note">${esc(`${record.agent.package} ${record.agent.version} (from ${record.agent.from})`)}</span>` : '';
    return [
      `<strong>${esc(s.config)}</strong>${agent}`,
      esc(`${s.validRuns}/${s.runs}`),
      esc(formatNumber(s.medians.cpuMsPerRequest)),
      `${cpu ? `${esc(formatChange(cpu.overhead))} <span class="note">${esc(`[${formatChange(cpu.overheadCI.low)}, ${formatChange(cpu.overheadCI.high)}]`)}</span><br>` : ''}${badge(cpu?.significance ?? (s.config === result.scenario.baseline ? 'baseline' : 'no valid pairs'))}`,
      `${esc(formatBytes(s.medians.rssMeanBytes))}${rss ? `<br><span class="note">${esc(formatDelta('rssMeanBytes', rss.delta))}</span>` : ''}`,
      `${esc(`${formatMicros(s.medians.latencyP50Us)} / ${formatMicros(s.medians.latencyP99Us)}`)}${p99 ? `<br>${esc(`p99 ${formatChange(p99.overhead)}`)}` : ''}`,
      esc(s.achievedRpsMedian === undefined ? '–' : `${s.achievedRpsMedian.toFixed(0)}/${s.offeredRps}`),
      esc(telemetryCell(s) || '—'),
    ];
  });
  parts.push(`<section id="overhead"><h2>Overhead</h2>
<p>CPU per request is the primary measure: the target's own <code>process.cpuUsage()</code> (µs, every thread) over the measured window, divided by the requests served, at the same offered rate for every config (cross-checked against <code>/proc/&lt;pid&gt;/stat</code>). Changes are geometric means of the per-pair ratios against the baseline run beside it, with 95% Student-t confidence intervals; ▲ after Benjamini–Hochberg (see the method section).</p>
${show('cpu-overhead')}
${table(['config', 'valid runs', 'CPU ms/req', 'CPU overhead [95% CI]', 'RSS', 'p50 / p99 µs', 'req/s', 'telemetry/req'], overheadRows, [1, 2, 3, 4, 5, 6])}
${analysis.budgets.length ? `<h3>Budgets</h3>${table(['config', 'budget', 'verdict', 'note'], analysis.budgets.map((b) => [esc(b.config), esc(b.budget.text), badge(b.verdict), esc(b.note ?? '')]))}<p class="note">pass: the whole CI is within the budget · fail: the whole CI is over it · inconclusive: it straddles the budget.</p>` : ''}
${analysis.exclusions.length ? `<p class="note">Excluded runs: ${analysis.exclusions.map((x) => esc(`${x.config} ${x.excludedRuns} (${Object.entries(x.reasons).map(([r, n]) => `${r} ×${n}`).join(', ')})`)).join('; ')}.</p>` : ''}
</section>`);

  const section = (id: string, title: string, body: string) => (body ? `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>` : '');
  parts.push(section('latency', 'Latency', show('latency-percentiles')));
  const models = analysis.sampleRateModels.map((m) => esc(sampleRateModelText(m)));
  const sampleRateFigure = show('sample-rate');
  parts.push(section('sampling', 'Sample rate', sampleRateFigure && `${sampleRateFigure}<ul>${models.map((m) => `<li>${m}</li>`).join('')}</ul>`));
  parts.push(section('rates', 'CPU against offered rate', analysis.rateModels.length
    ? `<p>Agents have costs per second (flush timers, runtime metrics, scrapes) as well as per request, so CPU per request depends on the rate. Each config was measured at ${esc(result.design.ratesRps.join(' and '))} req/s and fitted as cpu ms/s = fixed + marginal × req/s. The cost projection uses this at your traffic per instance.</p><ul>${analysis.rateModels.map((m) => `<li>${esc(rateModelText(m))}</li>`).join('')}</ul>`
    : ''));
  parts.push(section('memory', 'Memory', show('rss')));
  parts.push(section('telemetry', 'Telemetry volume', show('telemetry')));

  const costTable = table(['config', 'total / month', 'range (CPU CI)', 'compute + memory', 'vendor bill'], input.costs.map((c) => [
    `<strong>${esc(c.config)}</strong>`, esc(usd(c.totalUsd)), esc(`${usd(c.lowUsd)}–${usd(c.highUsd)}`),
    esc(usd(c.infrastructure.reduce((s, l) => s + l.usd, 0))), esc(usd(c.vendor.reduce((s, l) => s + l.usd, 0))),
  ]), [1, 2, 3, 4]);
  const formulaTable = table(['config', 'line', 'USD / month', 'formula inputs'], input.costs.flatMap((c) => [...c.infrastructure, ...c.vendor].map((l) => [
    esc(c.config), esc(l.label), esc(usd(l.usd)), `<span class="formula">${esc(l.formula)}</span>`,
  ])), [2]);
  parts.push(`<section id="cost"><h2>Monthly cost at ${esc(input.traffic)}</h2>
${show('monthly-cost')}
${costTable}
<h3>Where every dollar comes from</h3>
${formulaTable}
<p class="note">Pricing ${esc(input.pricing.pricing_version)}: ${esc(pricingSources(input.pricing).join('; '))}. Re-project with other traffic or prices, without re-running: <code>apm-bench cost ${esc(result.scenario.name)}-….json --traffic 2B --pricing mine.yaml</code>.</p>
</section>`);

  const claims = claimRows(input);
  parts.push(`<section id="claims"><h2>Claims check</h2>
<p>Claims from the seed setup guides, none of them measured there, set against this run. A CPU claim is confirmed only when the whole confidence interval is under it and refuted only when the whole interval is over it.</p>
${claims.length ? table(['claim', 'source', 'config', 'measured', 'verdict'], claims.map((c) => [esc(c.claim), esc(c.source), esc(c.config), esc(c.measured), badge(c.verdict)])) : '<p>No config in this run is one the claims are about.</p>'}
<ul class="note">${priceNotes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</section>`);

  parts.push(`<section id="method"><h2>Method and machine</h2>
<ul>
${(analysis.guarantees ?? []).map((g) => `<li>${esc(g)}</li>`).join('\n')}
<li>${esc(`${env.cpuCount}× ${env.cpuModel}, ${formatBytes(env.totalMemoryBytes)} RAM, kernel ${env.kernel}, Node ${env.nodeVersion}; load average ${env.loadAverageStart.join(' ')}${env.loadAverageEnd ? ` → ${env.loadAverageEnd.join(' ')}` : ''}.`)}</li>
<li>${esc(`Pinning: ${env.pinning.note}.`)}</li>
<li>${esc(`Load: ${result.loadModel}`)}</li>
<li>${esc(`Configs: ${result.configs.map((c) => `${c.name} = ${describeConfig(c)}`).join('; ')}.`)}</li>
<li>${esc(`Packages: ${Object.entries(env.packages).map(([n, v]) => `${n} ${v}`).join(', ')}.`)}</li>
${env.strippedEnv.length ? `<li>${esc(`Removed from the target's environment so nothing leaves the machine: ${env.strippedEnv.join(', ')}.`)}</li>` : ''}
${result.notes.map((n) => `<li>${esc(n)}</li>`).join('\n')}
${missing.map((m) => `<li>Chart not drawn: ${prose(m)}</li>`).join('\n')}
</ul>
</section>`);

  parts.push(`<footer>apm-bench ${esc(result.tool.version)} · result file schema v${result.schemaVersion} · scenario sha256 ${esc(result.scenario.sha256.slice(0, 12))} · charts: Vega-Lite, rendered to SVG when the report was written.</footer>`);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apm-bench report: ${esc(result.scenario.name)}</title>
<style>${styles}
</style>
</head>
<body>
<main>
${parts.join('\n\n')}
</main>
</body>
</html>
`;
}
