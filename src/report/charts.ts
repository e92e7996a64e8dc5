import type { TopLevelSpec } from 'vega-lite';
import type { CostRange, CostRow, LatencyPoint, OverheadRow, RssRow, SampleRateLine, SampleRatePoint, TelemetryRow } from './chart-data.js';
import type { SoakPoint } from './soak.js';

/**
 * Vega-Lite specs for the HTML report: pure functions from chart rows to a spec,
 * rendered to SVG at build time (render-svg.ts), so the page needs no script.
 */

export interface Chart {
  id: string;
  title: string;
  /** One or two sentences: how to read it. */
  howToRead: string;
  spec: TopLevelSpec;
}

const width = 620;
const font = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const baselineGrey = '#9aa0a6';
const palette = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

const config = {
  font,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#eceff1', domainColor: '#b0b7bf', tickColor: '#b0b7bf' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  background: 'white',
} as const;

/** One colour per config, the same in every chart; the baseline is grey. */
export function colourScale(configs: readonly string[], baseline: string): { domain: string[]; range: string[] } {
  let next = 0;
  return { domain: [...configs], range: configs.map((c) => (c === baseline ? baselineGrey : palette[next++ % palette.length]!)) };
}

type Colours = ReturnType<typeof colourScale>;

export function cpuOverheadChart(rows: OverheadRow[], colours: Colours, baseline: string): Chart {
  const values = rows.map((r) => ({ ...r, ratio: 1 + r.overheadPct / 100, low: 1 + r.lowPct / 100, high: 1 + r.highPct / 100 }));
  // A log axis around the data and 1× (no change), padded so the labels fit.
  const domain = [Math.min(1, ...values.map((v) => v.low)) / 1.15, Math.max(1, ...values.map((v) => v.high)) * 1.3];
  const y = { field: 'config', type: 'nominal', sort: null, title: null } as const;
  const x = { type: 'quantitative', scale: { type: 'log', domain, nice: false } } as const;
  // Explicit ticks, so 1× (no change) is always labelled.
  const ticks = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 50, 100].filter((t) => t >= domain[0]! && t <= domain[1]!);
  return {
    id: 'cpu-overhead',
    title: 'CPU per request: overhead against the baseline',
    howToRead: `Dot: geometric mean of the per-pair ratios against \`${baseline}\`; whisker: 95% confidence interval. A whisker that crosses the dashed 1× line is no ` +
      `significant difference. The axis is logarithmic, so 2× is +100% and 10× is +900%.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width, height: Math.max(60, rows.length * 34), config,
      data: { values },
      layer: [
        { data: { values: [{}] }, mark: { type: 'rule', color: '#5f6368', strokeDash: [4, 3] }, encoding: { x: { ...x, datum: 1 } } },
        {
          mark: { type: 'rule', strokeWidth: 2.5 },
          encoding: {
            y,
            x: { ...x, field: 'low', title: 'CPU per request, × baseline (95% CI)', axis: { values: ticks, labelExpr: "format(datum.value, '.3~g') + '×'", grid: true } },
            x2: { field: 'high' },
            color: { field: 'config', type: 'nominal', scale: colours, legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 90, opacity: 1 },
          encoding: {
            y,
            x: { ...x, field: 'ratio' },
            color: { field: 'config', type: 'nominal', scale: colours, legend: null },
            tooltip: [
              { field: 'config' },
              { field: 'overheadPct', format: '+.1f', title: 'overhead %' },
              { field: 'lowPct', format: '+.1f', title: 'CI low %' },
              { field: 'highPct', format: '+.1f', title: 'CI high %' },
            ],
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 8, fontSize: 11, color: '#3c4043' },
          encoding: { y, x: { ...x, field: 'high' }, text: { field: 'label' } },
          transform: [{ calculate: "(datum.overheadPct >= 0 ? '+' : '') + format(datum.overheadPct, '.0f') + '%'", as: 'label' }],
        },
      ],
    },
  };
}

export function latencyChart(points: LatencyPoint[], colours: Colours): Chart {
  return {
    id: 'latency-percentiles',
    title: 'Latency percentiles (HDR histogram, µs resolution)',
    howToRead: 'Each line is one config, all its valid runs pooled. Left to right: median, 90th, 99th, 99.9th percentile. Both axes are logarithmic; a line above another is ' +
      'slower at that percentile. Latency includes the queueing of the closed-loop load generator, the same for every config.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: width - 130, height: 300, config,
      data: { values: points.map((p) => ({ ...p, latencyMs: p.latencyUs / 1000 })) },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: {
          field: 'inverseTail', type: 'quantitative', scale: { type: 'log', domainMin: 1 }, title: 'percentile',
          axis: { values: [1, 2, 10, 100, 1000, 10000, 100000], labelExpr: "datum.value == 1 ? '0%' : format(100 - 100 / datum.value, '.6~f') + '%'" },
        },
        y: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)', axis: { format: '~g' } },
        color: { field: 'config', type: 'nominal', scale: colours, title: 'config', legend: { orient: 'right' } },
        tooltip: [{ field: 'config' }, { field: 'percentile', format: '.3f' }, { field: 'latencyUs', title: 'latency µs', format: ',.0f' }],
      },
    },
  };
}

export function sampleRateChart(data: { points: SampleRatePoint[]; lines: SampleRateLine[] }): Chart {
  return {
    id: 'sample-rate',
    title: 'CPU overhead against sample rate, with the fitted line',
    howToRead: 'Dots: one pair each, extra CPU ms per request against the baseline beside it. Line: least-squares fit, fixed cost + slope × rate. The intercept is what the ' +
      'agent costs even at rate 0; a flat line means sampling saves the bill, not the CPU.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: width - 110, height: 280, config,
      encoding: { color: { field: 'kind', type: 'nominal', title: 'agent', legend: { orient: 'right' } } },
      layer: [
        {
          data: { values: data.lines },
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: { field: 'rate', type: 'quantitative', title: 'sample rate', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
            y: { field: 'cpuDeltaMs', type: 'quantitative', title: 'extra CPU ms per request' },
          },
        },
        {
          data: { values: data.points },
          mark: { type: 'point', filled: true, size: 55, opacity: 0.8 },
          encoding: {
            x: { field: 'rate', type: 'quantitative' }, y: { field: 'cpuDeltaMs', type: 'quantitative' },
            tooltip: [{ field: 'config' }, { field: 'cpuDeltaMs', format: '.3f', title: 'Δ CPU ms/req' }],
          },
        },
      ],
    },
  };
}

export function rssChart(rows: RssRow[], colours: Colours): Chart {
  return {
    id: 'rss',
    title: 'Memory: resident set size',
    howToRead: 'Bar: median RSS over the measured window. The label is the paired change against the baseline with its 95% CI. Agents add a fixed amount at start-up, so this ' +
      'does not scale with traffic.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width, height: Math.max(60, rows.length * 30), config,
      data: { values: rows.map((r) => ({ ...r, label: r.deltaMB === undefined ? 'baseline' : `${r.deltaMB >= 0 ? '+' : '−'}${Math.abs(r.deltaMB).toFixed(1)} MB ` +
        `[${r.deltaLowMB!.toFixed(1)}, ${r.deltaHighMB!.toFixed(1)}]` })) },
      encoding: { y: { field: 'config', type: 'nominal', sort: null, title: null } },
      layer: [
        {
          mark: { type: 'bar', height: 18 },
          encoding: {
            x: { field: 'rssMB', type: 'quantitative', title: 'RSS (MB)' },
            color: { field: 'config', type: 'nominal', scale: colours, legend: null },
            tooltip: [{ field: 'config' }, { field: 'rssMB', format: '.1f', title: 'RSS MB' }, { field: 'label', title: 'change' }],
          },
        },
        { mark: { type: 'text', align: 'left', dx: 5, fontSize: 11, color: '#3c4043' }, encoding: { x: { field: 'rssMB', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    },
  };
}

export function telemetryChart(rows: TelemetryRow[], colours: Colours): Chart {
  return {
    id: 'telemetry',
    title: 'Telemetry volume per request, as counted by the local intakes',
    howToRead: 'Spans and bytes each request produced on the wire, decoded and counted by the intake speaking the vendor\'s protocol; nothing is estimated. Bytes drive ingest ' +
      'bills; spans drive indexing and span-priced plans.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      data: { values: rows },
      facet: { column: { field: 'measure', type: 'nominal', title: null, header: { labelFontSize: 12, labelFontWeight: 500 } } },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: (width - 40) / 2, height: Math.max(60, new Set(rows.map((r) => r.config)).size * 28),
        layer: [
          {
            mark: { type: 'bar', height: 16 },
            encoding: {
              y: { field: 'config', type: 'nominal', sort: null, title: null },
              x: { field: 'value', type: 'quantitative', title: null },
              color: { field: 'config', type: 'nominal', scale: colours, legend: null },
              tooltip: [{ field: 'config' }, { field: 'measure' }, { field: 'value', format: '.3~f' }],
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#3c4043' },
            encoding: { y: { field: 'config', type: 'nominal', sort: null }, x: { field: 'value', type: 'quantitative' }, text: { field: 'value', format: '.3~f' } },
          },
        ],
      },
    },
  };
}

export function costChart(data: { stack: CostRow[]; ranges: CostRange[] }, traffic: string): Chart {
  return {
    id: 'monthly-cost',
    title: `Monthly cost at ${traffic}: infrastructure against the vendor bill`,
    howToRead: 'Stacked bar: extra compute (from the CPU overhead), extra memory (from RSS) and the vendor bill (from the measured volumes and the pricing file). Whisker: the ' +
      'bill\'s 95% range, a paired t interval over the pairs\' bills (every measured input of a pair together). The formula behind every dollar is in the table below.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width, height: Math.max(60, data.ranges.length * 34), config,
      layer: [
        {
          data: { values: data.stack },
          mark: { type: 'bar', height: 20 },
          encoding: {
            y: { field: 'config', type: 'nominal', sort: null, title: null },
            x: { field: 'usd', type: 'quantitative', stack: 'zero', title: 'USD per month', axis: { format: '$,~s' } },
            color: {
              field: 'part',
              type: 'nominal',
              title: null,
              scale: { domain: ['extra compute', 'extra memory', 'vendor bill'], range: ['#4c78a8', '#9ecae9', '#f58518'] },
              legend: { orient: 'bottom', direction: 'horizontal' },
            },
            order: { field: 'order' },
            tooltip: [{ field: 'config' }, { field: 'part' }, { field: 'usd', format: '$,.0f', title: 'USD/month' }],
          },
        },
        {
          data: { values: data.ranges },
          mark: { type: 'rule', color: '#202124', strokeWidth: 1.5 },
          encoding: { y: { field: 'config', type: 'nominal', sort: null }, x: { field: 'lowUsd', type: 'quantitative' }, x2: { field: 'highUsd' } },
        },
        {
          data: { values: data.ranges },
          mark: { type: 'text', align: 'left', dx: 6, dy: -11, fontSize: 11, fontWeight: 600, color: '#202124' },
          encoding: { y: { field: 'config', type: 'nominal', sort: null }, x: { field: 'highUsd', type: 'quantitative' }, text: { field: 'totalUsd', format: '$,.0f' } },
        },
      ],
    },
  };
}

/** Rows of the overhead-by-package chart: each config's extra ms per request in one bucket. */
export interface AttributionBar { config: string; bucket: string; deltaMs: number; order: number }

export function attributionChart(rows: AttributionBar[], buckets: { domain: string[]; range: string[] }): Chart {
  return {
    id: 'overhead-by-package',
    title: 'Where the overhead goes: extra CPU per request by package',
    howToRead: 'From the profiling pass: each bar is a config\'s extra CPU per request against the baseline, split by the package (or Node internals, GC, the app) ' +
      'that owns the sampled frames. Segments left of zero are work the config saved. The paired windows, not these, give the overhead itself.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width, height: Math.max(60, new Set(rows.map((r) => r.config)).size * 34), config,
      data: { values: rows },
      mark: { type: 'bar', height: 20 },
      encoding: {
        y: { field: 'config', type: 'nominal', sort: null, title: null },
        x: { field: 'deltaMs', type: 'quantitative', stack: 'zero', title: 'extra CPU ms per request' },
        color: { field: 'bucket', type: 'nominal', title: null, scale: buckets, legend: { orient: 'bottom', direction: 'horizontal', columns: 3 } },
        order: { field: 'order' },
        tooltip: [{ field: 'config' }, { field: 'bucket' }, { field: 'deltaMs', format: '.3f', title: 'ms/req' }],
      },
    },
  };
}

/** Soak: heap after GC over time, a panel per candidate with the baseline that ran beside it, and each series' fitted line. */
export function soakChart(points: SoakPoint[], colours: Colours): Chart {
  const series = [...new Set(points.map((p) => p.series))];
  const scale = { domain: series, range: series.map((s) => colours.range[colours.domain.indexOf(s)] ?? baselineGrey) };
  const x = { field: 'minutes', type: 'quantitative', title: 'minutes into the soak window' } as const;
  const y = { field: 'heapMB', type: 'quantitative', title: 'heap after GC (MB)', scale: { zero: false } } as const;
  return {
    id: 'soak-memory',
    title: 'Memory over the soak: V8 heap after a full GC',
    howToRead: 'One panel per config, with the baseline that ran beside it at the same time (grey). Dots: the heap right after a full GC the probe forced in both ' +
      'targets at once; faint dots are warm-up, left out of the fit. Lines: the Theil–Sen slope of each series. A leak climbs away from the grey line.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config,
      data: { values: points },
      facet: { row: { field: 'panel', type: 'nominal', title: null, sort: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width, height: 130,
        layer: [
          {
            transform: [{ filter: "datum.kind !== 'fit'" }],
            mark: { type: 'point', filled: true, size: 16 },
            encoding: {
              x, y, color: { field: 'series', type: 'nominal', scale, legend: { title: null, orient: 'top', labelLimit: 320 } },
              opacity: { condition: { test: "datum.kind === 'warm-up'", value: 0.25 }, value: 0.85 },
              tooltip: [{ field: 'series' }, { field: 'minutes', format: '.2f' }, { field: 'heapMB', format: '.2f', title: 'heap MB' }],
            },
          },
          {
            transform: [{ filter: "datum.kind === 'fit'" }],
            mark: { type: 'line', strokeWidth: 2 },
            encoding: { x, y, color: { field: 'series', type: 'nominal', scale }, detail: { field: 'series' } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}
