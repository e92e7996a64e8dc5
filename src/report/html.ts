import { pricingSources } from '../cost/pricing.js';
import { metrics } from '../samples/metrics.js';
import { formatBytes, formatChange } from '../samples/units.js';
import { costRows, cpuOverheadRows, latencyCurves, rssRows, sampleRateData, telemetryRows } from './chart-data.js';
import {
  attributionChart, colourScale, costChart, cpuOverheadChart, latencyChart, rssChart, sampleRateChart, soakChart, telemetryChart, type Chart,
} from './charts.js';
import { agentPackages, attributionView, bucketLabel } from './attribution.js';
import { bucketColour, flameGraphSvg } from './flamegraph.js';
import { describeConfig, describeDesign } from './describe.js';
import { claimRows, executiveSummary, priceNotes, rateModelText, sampleRateModelText, usd, type ReportInput } from './input.js';
import { renderSvg } from './render-svg.js';
import { interactionText } from '../analysis/interaction.js';
import { behaviourLines, instrumentationLines } from './analysis-text.js';
import { soakChartPoints, soakRows } from './soak.js';

/** The charts a result supports, in reading order; a chart without data is left out with the reason. */
export function chartsFor(
  input: ReportInput,
  colours = colourScale(input.result.configs.map((c) => c.name), input.result.scenario.baseline),
): { charts: Chart[]; missing: string[] } {
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
  const soak = soakChartPoints(result);
  if (soak.length) charts.push(soakChart(soak, colours));
  const rss = rssRows(input.summaries, analysis);
  if (rss.length) charts.push(rssChart(rss, colours));
  const telemetry = telemetryRows(input.measures);
  if (telemetry.length) charts.push(telemetryChart(telemetry, colours));
  else missing.push('Telemetry volume: no config sent spans to an intake.');
  if (input.costs.length) charts.push(costChart(costRows(input.costs), input.traffic));
  const profiling = result.profiling;
  if (profiling?.attribution.length) {
    const packages = agentPackages(profiling);
    const rows = profiling.attribution.flatMap((a) => attributionView(a).rows.filter((r) => r.bucket).map((r, order) => ({
      config: a.config, bucket: bucketLabel(r.bucket), deltaMs: a.rows.find((x) => x.bucket === r.bucket)!.deltaMsPerRequest, order,
    })));
    const labels = [...new Set(rows.map((r) => r.bucket))];
    const colourOf = (label: string) => {
      const bucket = profiling.attribution.flatMap((a) => a.rows).find((r) => bucketLabel(r.bucket) === label)?.bucket ?? label;
      return bucketColour(bucket, packages);
    };
    charts.push(attributionChart(rows, { domain: labels, range: labels.map(colourOf) }));
  }
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
figure.flame { margin: 12px 0 24px; } figure.flame .scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
figure.flame svg text { fill: #202124; pointer-events: none; }
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
.callout { background: #fce8e6; border-left: 4px solid var(--bad); border-radius: 6px; padding: 4px 14px; margin: 12px 0; }
.callout pre { white-space: pre-wrap; font-size: 13px; margin: 8px 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; background: #f1f3f4; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
@media print {
  body { background: white; font-size: 12px; }
  main { max-width: none; padding: 0; }
  figure.chart, table, .summary li { break-inside: avoid; }
  h2 { break-after: avoid; }
}`;

interface Page {
  input: ReportInput;
  /** A chart's figure, or '' when the result does not support it. */
  show: (id: string) => string;
  swatch: (config: string) => string;
  missing: string[];
}

/**
 * The self-contained HTML report: charts rendered to SVG now, no script, no
 * network at view time. Sections in reading order.
 */
export async function renderHtmlReport(input: ReportInput): Promise<string> {
  const { result } = input;
  const colours = colourScale(result.configs.map((c) => c.name), result.scenario.baseline);
  const { charts, missing } = chartsFor(input, colours);
  const svgs = new Map<string, string>();
  for (const chart of charts) svgs.set(chart.id, await renderSvg(chart.spec));
  const page: Page = {
    input,
    missing,
    show: (id) => {
      const chart = charts.find((c) => c.id === id);
      return chart ? figure(chart, svgs.get(id)!) : '';
    },
    swatch: (config) => colours.range[colours.domain.indexOf(config)] ?? '#4c78a8',
  };
  const parts = [
    headerSection(page),
    summarySection(page),
    overheadSection(page),
    section('latency', 'Latency', page.show('latency-percentiles')),
    samplingSection(page),
    ratesSection(page),
    soakSection(page),
    section('memory', 'Memory', page.show('rss')),
    section('telemetry', 'Telemetry volume', page.show('telemetry')),
    costSection(page),
    attributionSection(page),
    claimsSection(page),
    methodSection(page),
    `<footer>apm-bench ${esc(result.tool.version)} · result file schema v${result.schemaVersion} · scenario sha256 ${esc(result.scenario.sha256.slice(0, 12))} · ` +
      'charts: Vega-Lite, rendered to SVG when the report was written.</footer>',
  ];
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
${parts.filter(Boolean).join('\n\n')}
</main>
</body>
</html>
`;
}

const section = (id: string, title: string, body: string) => (body ? `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>` : '');

function headerSection({ input: { result } }: Page): string {
  const env = result.environment;
  return `<header>
<h1>apm-bench report: ${esc(result.scenario.name)}</h1>
<p>${prose(describeDesign(result))} · ${esc(result.startedAt.slice(0, 16).replace('T', ' '))} UTC · status ${esc(result.status)}</p>
<p>${esc(`${env.cpuCount}× ${env.cpuModel}, Node ${env.nodeVersion}, load average ${env.loadAverageStart.join(' ')}`)}</p>
</header>`;
}

function summarySection({ input, swatch }: Page): string {
  const sentences = executiveSummary(input);
  const items = sentences.map((s) => `<li style="--swatch:${swatch(s.config)}"><strong>${esc(s.config)}</strong> <span class="what">(${esc(s.description)})</span>: ` +
    `${esc(s.text)}</li>`);
  const behaviour = [...behaviourLines(input.analysis), ...instrumentationLines(input.analysis)].filter(Boolean);
  const callout = behaviour.length ? `<div class="callout"><pre>${esc(behaviour.join('\n'))}</pre></div>` : '';
  return `<section id="summary"><h2>Summary</h2>
${callout}
<ul class="summary">
${items.join('\n')}
</ul>
${sentences.length ? '' : '<p>No instrumented config has valid runs to summarise.</p>'}
</section>`;
}

function overheadSection({ input, show }: Page): string {
  const { analysis } = input;
  const rows = input.rows.map((row) => {
    const { cpuMsPerRequest: cpu, rssMeanBytes: rss, latencyP50Us: p50, latencyP99Us: p99 } = row.cells;
    const ci = cpu.estimate ? `${esc(formatChange(cpu.estimate.overhead))} <span ` +
      `class="note">${esc(`[${formatChange(cpu.estimate.overheadCI.low)}, ${formatChange(cpu.estimate.overheadCI.high)}]`)}</span><br>` : '';
    return [
      `<strong>${esc(row.config)}</strong>${row.agent ? `<br><span class="note">${esc(row.agent)}</span>` : ''}`,
      esc(`${row.validRuns}/${row.runs}`),
      esc(row.cpuText),
      `${ci}${badge(row.marker)}`,
      `${esc(rss.text)}${rss.estimate ? `<br><span class="note">${esc(metrics.rssMeanBytes.formatDelta(rss.estimate.delta))}</span>` : ''}`,
      `${esc(`${p50.text} / ${p99.text}`)}${p99.change !== undefined ? `<br>${esc(`p99 ${formatChange(p99.change)}`)}` : ''}`,
      esc(row.rate),
      esc(row.telemetry || '—'),
    ];
  });
  const budgets = analysis.budgets.length
    ? `<h3>Budgets</h3>${table(['config', 'budget', 'verdict', 'note'], analysis.budgets.map((b) => [esc(b.config), esc(b.budget.text), badge(b.verdict), esc(b.note ?? '')]))}` +
      '<p class="note">fail: clearly over the budget · pass: clearly within it · inconclusive: the data cannot tell yet. The chance of any false fail, or any false pass, among ' +
        'the overhead budgets is at most 2.5% (Holm); growth budgets are their own family, and each money budget is judged alone on its 95% range.</p>'
    : '';
  const interactions = analysis.interactions?.length
    ? `<h3>Agents stacked together</h3><ul>${analysis.interactions.map((i) => `<li>${esc(interactionText(i))}</li>`).join('')}</ul>`
    : '';
  const excluded = analysis.exclusions.length
    ? `<p class="note">Excluded runs: ` +
      `${analysis.exclusions.map((x) => esc(`${x.config} ${x.excludedRuns} (${Object.entries(x.reasons).map(([r, n]) => `${r} ×${n}`).join(', ')})`)).join('; ')}.</p>`
    : '';
  return `<section id="overhead"><h2>Overhead</h2>
<p>CPU per request is the primary measure: the target's own <code>process.cpuUsage()</code> (µs, every thread) over the measured window, divided by the requests served, at the ' +
  'same offered rate for every config (cross-checked against <code>/proc/&lt;pid&gt;/stat</code>). Changes are geometric means of the per-pair ratios against the baseline run ' +
    'beside it, with 95% Student-t confidence intervals; ▲ after Benjamini–Hochberg (see the method section).</p>
${show('cpu-overhead')}
${table(['config', 'valid runs', 'CPU ms/req', 'CPU overhead [95% CI]', 'RSS', 'p50 / p99 µs', 'req/s', 'telemetry/req'], rows, [1, 2, 3, 4, 5, 6])}
${interactions}
${budgets}
${excluded}
</section>`;
}

function samplingSection({ input, show }: Page): string {
  const figureHtml = show('sample-rate');
  const models = input.analysis.sampleRateModels.map((m) => `<li>${esc(sampleRateModelText(m))}</li>`);
  return section('sampling', 'Sample rate', figureHtml && `${figureHtml}<ul>${models.join('')}</ul>`);
}

function ratesSection({ input: { analysis, result } }: Page): string {
  if (!analysis.rateModels.length) return '';
  return section('rates', 'CPU against offered rate',
    `<p>Agents have costs per second (flush timers, runtime metrics, scrapes) as well as per request, so CPU per request depends on the rate. Each config was measured at ` +
      `${esc(result.design.ratesRps.join(' and '))} req/s and fitted as cpu ms/s = fixed + marginal × req/s. The cost projection uses this at your traffic per instance.</p>` +
    `<ul>${analysis.rateModels.map((m) => `<li>${esc(rateModelText(m))}</li>`).join('')}</ul>`);
}

function soakSection({ input: { analysis }, show }: Page): string {
  const rows = soakRows(analysis);
  if (!rows.length) return '';
  const labels = rows[0]!.cells.map((c) => c.label);
  const body = table(['config', ...labels.map((l) => `${l} growth`)], rows.map((r) => [
    `<strong>${esc(r.config)}</strong>`, ...r.cells.map((c) => `<span class="${c.finding === 'grows' ? 'badge bad' : ''}">${esc(c.text.replace(/^:? /, ''))}</span>`),
  ]));
  return section('soak', 'Growth over the soak', `${show('soak-memory')}${body}<p class="note">${esc(analysis.soak!.method)}</p>`);
}

function costSection({ input, show }: Page): string {
  const costTable = table(['config', 'total / month', 'range (95%)', 'compute + memory', 'vendor bill', 'hosts (p99 hour)'], input.costs.map((c) => [
    `<strong>${esc(c.config)}</strong>`, esc(usd(c.totalUsd)), esc(`${usd(c.lowUsd)}–${usd(c.highUsd)}`),
    esc(usd(c.infrastructure.reduce((s, l) => s + l.usd, 0))), esc(usd(c.vendor.reduce((s, l) => s + l.usd, 0))), esc(c.fleet.p99Hosts.toFixed(2)),
  ]), [1, 2, 3, 4, 5]);
  const drivers = `<ul>${input.costs.map((c) => `<li><strong>${esc(c.config)}</strong>: range ${esc(c.rangeNote ?? 'n/a')}. What would change it: ` +
    `${esc(c.drivers ?? 'n/a')}</li>`).join('')}</ul>`;
  const formulaTable = table(['config', 'line', 'USD / month', 'formula inputs'], input.costs.flatMap((c) => [...c.infrastructure, ...c.vendor].map((l) => [
    esc(c.config), esc(l.label), esc(usd(l.usd)), `<span class="formula">${esc(l.formula)}</span>`,
  ])), [2]);
  return `<section id="cost"><h2>Monthly cost at ${esc(input.traffic)}</h2>
${show('monthly-cost')}
${costTable}
${drivers}
<h3>Where every dollar comes from</h3>
${formulaTable}
<p class="note">Pricing ${esc(input.pricing.pricing_version)}: ${esc(pricingSources(input.pricing).join('; '))}.
Re-project with other traffic or prices, without re-running:
<code>apm-bench cost ${esc(input.result.scenario.name)}-….json --traffic 2B --pricing mine.yaml</code>.</p>
</section>`;
}

function attributionSection({ input: { result }, show }: Page): string {
  const profiling = result.profiling;
  if (!profiling?.attribution.length) return '';
  const packages = agentPackages(profiling);
  const perConfig = profiling.attribution.map((a) => {
    const view = attributionView(a);
    const rows = table(['where', 'ms/req profiled', 'baseline', 'extra', 'share', 'of the measured overhead'], view.rows.map((r) => [esc(r.label), esc(r.configMs),
      esc(r.baselineMs), esc(r.deltaMs), esc(r.share), esc(r.measuredMs)]), [1, 2, 3, 4, 5]);
    const items = view.functions.map((f) => `<li>${esc(f.where)}: ${esc(f.deltaMs)} ms/req</li>`).join('');
    const functions = view.functions.length ? `<p>Top functions by added self time:</p><ul>${items}</ul>` : '';
    const stacks = profiling.stacks[a.config];
    const flame = stacks ? `<figure class="flame"><figcaption>Flame graph of ${esc(a.config)} in its profiled window (callers on top, width = CPU time; ` +
      'agent packages in warm colours, Node internals blue, the app grey). Hover a frame for its time.</figcaption>' +
      `<div class="scroll">${flameGraphSvg(stacks, packages, `Flame graph of ${a.config}`)}</div></figure>` : '';
    return `<h3>${esc(a.config)}</h3>${rows}<p class="note">${esc(view.coverage)}</p>${functions}${flame}`;
  }).join('\n');
  return `<section id="where"><h2>Where the overhead goes</h2>
<p>Each config ran once more, alone, under the same load, with V8's sampling profiler every ${esc(profiling.intervalUs)} µs. These windows are not in the estimates above. ` +
    `Each sample's self time goes to the package that owns its frame (<code>node_modules/&lt;package&gt;</code>), with Node's internals, GC, V8 and the app as their own rows.</p>
${show('overhead-by-package')}
${perConfig}
</section>`;
}

function claimsSection({ input }: Page): string {
  const claims = claimRows(input);
  const rows = claims.map((c) => [esc(c.claim), esc(c.source), esc(c.config), esc(c.measured), badge(c.verdict)]);
  return `<section id="claims"><h2>Claims check</h2>
<p>Claims from the seed setup guides, none of them measured there, set against this run.
A CPU claim is confirmed only when the whole confidence interval is under it and refuted only when the whole interval is over it.</p>
${claims.length ? table(['claim', 'source', 'config', 'measured', 'verdict'], rows) : '<p>No config in this run is one the claims are about.</p>'}
<ul class="note">${priceNotes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
</section>`;
}

function methodSection({ input: { result, analysis }, missing }: Page): string {
  const env = result.environment;
  const load = env.loadAverageEnd ? ` → ${env.loadAverageEnd.join(' ')}` : '';
  const items = [
    ...(analysis.guarantees ?? []),
    `${env.cpuCount}× ${env.cpuModel}, ${formatBytes(env.totalMemoryBytes)} RAM, kernel ${env.kernel}, Node ${env.nodeVersion}; load average ` +
      `${env.loadAverageStart.join(' ')}${load}.`,
    `Pinning: ${env.pinning.note}.`,
    `Load: ${result.loadModel}`,
    `Configs: ${result.configs.map((c) => `${c.name} = ${describeConfig(c)}`).join('; ')}.`,
    `Packages: ${Object.entries(env.packages).map(([n, v]) => `${n} ${v}`).join(', ')}.`,
    ...(env.strippedEnv.length ? [`Removed from the target's environment so nothing leaves the machine: ${env.strippedEnv.join(', ')}.`] : []),
    ...result.notes,
  ];
  return `<section id="method"><h2>Method and machine</h2>
<ul>
${items.map((item) => `<li>${esc(item)}</li>`).join('\n')}
${missing.map((m) => `<li>Chart not drawn: ${prose(m)}</li>`).join('\n')}
</ul>
</section>`;
}
