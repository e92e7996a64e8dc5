import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/analysis/analyse.js';
import { costRows, cpuOverheadRows, latencyCurves, sampleRateData } from '../../src/report/chart-data.js';
import { colourScale, cpuOverheadChart, latencyChart } from '../../src/report/charts.js';
import { describeConfig } from '../../src/report/describe.js';
import { esc } from '../../src/report/html.js';
import { reportRows } from '../../src/report/rows.js';
import { summarise } from '../../src/analysis/summary.js';
import { renderSvg } from '../../src/report/render-svg.js';
import type { ConfigRecord, MeasuredRun, ResultDocument } from '../../src/samples/result.js';
import { failed, measured, resultOf } from '../samples.js';

/** A histogram of 1,000 latencies: 1..1000 µs, one each. */
function encodedUniform(scale = 1): string {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (let v = 1; v <= 1000; v += 1) h.recordValue(v * scale);
  const text = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return text;
}

const config = (name: string, kind: string, options: Record<string, unknown> = {}): ConfigRecord => ({ name, kind, preloads: [], options, envKeys: [] });
const run = (pair: number, name: string, cpu: number, extra: Partial<MeasuredRun> = {}) => measured(pair, name, cpu, extra);

describe('chart data', () => {
  it('pools every valid run of a config into one HDR percentile curve', () => {
    const latencyUs = (scale: number) => ({ count: 1000, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, histogram: encodedUniform(scale) });
    const result = resultOf([
        run(0, 'none', 1, { latencyUs: latencyUs(1) }),
        run(1, 'none', 1, { latencyUs: latencyUs(1) }),
        run(0, 'dd', 1, { latencyUs: latencyUs(2) }),
        // An invalid run must not leak into the curve.
        run(1, 'dd', 1, { latencyUs: latencyUs(100), exclusions: ['saturated'] }),
      ], [config('none', 'none'), config('dd', 'datadog')]);
    const points = latencyCurves(result, 10);
    const at = (name: string, percentile: number) => points.find((p) => p.config === name && Math.abs(p.percentile - percentile) < 1e-9)!.latencyUs;
    expect(at('none', 50)).toBeCloseTo(500, -1);
    expect(at('none', 90)).toBeCloseTo(900, -1);
    expect(at('dd', 50)).toBeCloseTo(1000, -1);
    expect(at('dd', 99)).toBeCloseTo(1980, -1);
    // 2,000 pooled values support log10(2000) ≈ 3.3 nines; 1,000 support 3.
    expect(Math.max(...points.filter((p) => p.config === 'none').map((p) => p.percentile))).toBeCloseTo(99.95, 1);
    expect(Math.max(...points.filter((p) => p.config === 'dd').map((p) => p.percentile))).toBeCloseTo(99.9, 6);
    // inverseTail is the HDR plot's x: 1 / (1 − p).
    const p99 = points.find((p) => p.config === 'dd' && Math.abs(p.percentile - 99) < 1e-9)!;
    expect(p99.inverseTail).toBeCloseTo(100, 6);
    const curve = points.filter((p) => p.config === 'dd').map((p) => p.latencyUs);
    expect(curve).toEqual([...curve].sort((a, b) => a - b));
  });

  it('CPU overhead rows carry the CI in percent, and the sample-rate line is the fit', () => {
    const configs = [config('none', 'none'), ...[0.1, 1].map((rate) => ({ ...config(`dd@${rate}`, 'datadog', { sampleRate: rate }), sampleRate: rate }))];
    const runs = [0, 1, 2].flatMap((block) => [run(block, 'none', 0.3), run(block, 'dd@0.1', 0.3 + 0.4 + 0.02), run(block, 'dd@1', 0.3 + 0.4 + 0.2)]);
    const result = resultOf(runs, configs);
    const analysis = analyse(result, []);
    const rows = cpuOverheadRows(analysis);
    expect(rows.map((r) => r.config)).toEqual(['dd@0.1', 'dd@1']);
    expect(rows[1]!.overheadPct).toBeCloseTo(200, 8); // 0.9 / 0.3 = 3×
    const { points, lines } = sampleRateData(result, analysis);
    expect(points).toHaveLength(6);
    expect(lines.map((l) => l.cpuDeltaMs)).toEqual([expect.closeTo(0.4, 9), expect.closeTo(0.6, 9)]);
  });

  it('stacks the monthly cost into compute, memory and vendor parts that add up to the total', () => {
    const cost = {
      config: 'dd', extraInstances: 0.1, totalUsd: 160, lowUsd: 158, highUsd: 163,
      infrastructure: [{ label: 'extra compute', usd: 4, formula: '' }, { label: 'extra memory', usd: 1, formula: '' }],
      vendor: [{ label: 'hosts', usd: 124, formula: '' }, { label: 'ingest', usd: 31, formula: '' }],
    };
    const { stack, ranges } = costRows([cost]);
    expect(stack.map((s) => [s.part, s.usd])).toEqual([['extra compute', 4], ['extra memory', 1], ['vendor bill', 155]]);
    expect(stack.reduce((s, r) => s + r.usd, 0)).toBe(160);
    expect(ranges).toEqual([{ config: 'dd', totalUsd: 160, lowUsd: 158, highUsd: 163 }]);
  });
});

describe('charts', () => {
  it('gives each config one colour in every chart, the baseline grey', () => {
    const colours = colourScale(['a', 'none', 'b'], 'none');
    expect(colours.domain).toEqual(['a', 'none', 'b']);
    expect(colours.range[1]).toBe('#9aa0a6');
    expect(colours.range[0]).not.toBe(colours.range[2]);
  });

  it('renders a Vega-Lite spec to a standalone SVG with one mark per data row', async () => {
    const rows = [
      { config: 'datadog@1', overheadPct: 137, lowPct: 126, highPct: 156, significance: 'significant overhead' },
      { config: 'prometheus', overheadPct: 8, lowPct: -13, highPct: 30, significance: 'no significant difference' },
    ];
    const svg = await renderSvg(cpuOverheadChart(rows, colourScale(['none', 'datadog@1', 'prometheus'], 'none'), 'none').spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('viewBox');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing to fetch at view time
    expect(svg).toContain('+137%');
    expect(svg).toContain('prometheus');
    // One median dot per config, each labelled with its own numbers.
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(2);
    expect(svg).toContain('config: prometheus; overhead %: +8.0; CI low %: −13.0; CI high %: +30.0');
    // The dashed 1× reference is one line, not one per row.
    expect(svg.match(/stroke-dasharray="4,3"/g)).toHaveLength(1);
  });

  it('refuses to fetch data from a URL', async () => {
    const chart = latencyChart([], colourScale(['none'], 'none'));
    await expect(renderSvg({ ...chart.spec, data: { url: 'http://example.com/data.json' } } as never)).rejects.toThrow(/inline data only/);
  });
});

describe('report text', () => {
  it('names configs in words', () => {
    expect(describeConfig({ kind: 'datadog', options: { sampleRate: 0.1 }, sampleRate: 0.1, preloads: [] })).toBe('Datadog dd-trace at 10% sampling');
    expect(describeConfig({ kind: 'sentry', options: { tracesSampleRate: 1 }, sampleRate: 1, preloads: [] })).toBe('Sentry @sentry/node at 100% sampling');
    expect(describeConfig({ kind: 'opentelemetry', options: { ratio: 0, ladder: 'L2' }, preloads: [] })).toBe('OpenTelemetry SDK, ladder L2: instrumentation on, sampling 0');
    expect(describeConfig({ kind: 'custom', options: {}, preloads: ['/x/tracer.cjs'] })).toBe('custom preload tracer.cjs');
    expect(describeConfig({ kind: 'none', options: {}, preloads: [] })).toBe('no instrumentation');
  });

  it('"a vs b (+x%)": a ÷ b is the printed change, geometric means over the pairs, not a ratio of medians beside a geometric mean', () => {
    // Per-pair ratios 1.1, 1.0 and 1.2 beside baselines of 1, 2 and 4 ms: medians 2.2 vs 2 (+10%), geometric mean of the ratios +9.7%.
    const runs = [[1, 1.1], [2, 2], [4, 4.8]].flatMap(([base, agent], pair) => [measured(pair, 'none', base!), measured(pair, 'agent', agent!)]);
    const result = resultOf(runs, [
      { name: 'none', kind: 'none', preloads: [], options: {}, envKeys: [] }, { name: 'agent', kind: 'custom', preloads: [], options: {}, envKeys: [] },
    ]);
    const [row] = reportRows(result, summarise(result), analyse(result, []), []).filter((r) => r.config === 'agent');
    const change = Math.cbrt(1.1 * 1.0 * 1.2) - 1;
    expect(row!.cells.cpuMsPerRequest.change).toBeCloseTo(change, 12);
    // Geometric means: (1.1 × 2 × 4.8)^⅓ = 2.193 and (1 × 2 × 4)^⅓ = 2.
    expect(row!.cpuText).toBe('2.19 vs 2.00');
    expect(2.193 / 2 - 1).toBeCloseTo(change, 3);
  });

  it('escapes HTML', () => {
    expect(esc('<script>"x" & \'y\'</script>')).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });
});

describe('HTML report of a broken session', () => {
  it('still renders, and says which charts could not be drawn and why', async () => {
    const { reportInputFor } = await import('../../src/commands/project.js');
    const { renderHtmlReport } = await import('../../src/report/html.js');
    const result: ResultDocument = {
      ...resultOf([run(0, 'none', 0.2), failed(0, 'dd', 'crashed: exit 1')], [config('none', 'none'), config('dd', 'datadog', { sampleRate: 1 })]),
      status: 'failed',
      scenario: { name: 'broken', file: '/x.yaml', sha256: 'f'.repeat(64), baseline: 'none', workload: { rate: 100 }, budgets: [], target: { kind: 'fixture', path: '/x' } },
      notes: ['The target crashed.'],
    };
    const html = await renderHtmlReport(reportInputFor(result));
    expect(html).toContain('<title>apm-bench report: broken</title>');
    expect(html).toContain('status failed');
    expect(html).toContain('Chart not drawn: CPU overhead: no config has a valid run paired with a valid baseline run.');
    expect(html).toContain('Excluded runs: dd 1 (crashed ×1)');
    expect(html).toContain('The target crashed.');
    expect(html).not.toContain('data-chart="cpu-overhead"');
  });
});
