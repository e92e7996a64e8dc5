import { APP, GC, HARNESS, NATIVE, PROGRAM } from '../analysis/profile.js';
import type { Attribution, ProfilingRecord } from '../samples/profile.js';
import { formatNumber } from '../samples/units.js';

/**
 * "Where the overhead goes": one model of the profiling pass for the terminal,
 * Markdown and HTML. Rows are buckets (packages, Node internals, GC, the app)
 * with the extra CPU per request each takes against the baseline.
 */

/** Buckets that are not an agent package, in words. */
const words: Record<string, string> = {
  [APP]: 'the app\'s own code', [GC]: 'garbage collection', [PROGRAM]: 'V8 and native (program)', [NATIVE]: 'native builtins', [HARNESS]: 'apm-bench probe',
};

export function bucketLabel(bucket: string): string {
  if (words[bucket]) return words[bucket]!;
  if (bucket.startsWith('preload ')) return `its preload ${bucket.slice('preload '.length)}`;
  if (bucket.startsWith('node:')) return `Node internals: ${bucket.slice('node:'.length)}`;
  return bucket;
}

/** Agent packages first seen in any attribution, for stable colours. */
export function agentPackages(profiling: ProfilingRecord): string[] {
  const seen: string[] = [];
  for (const a of profiling.attribution) {
    for (const row of a.rows) if (!words[row.bucket] && !row.bucket.startsWith('node:') && !seen.includes(row.bucket)) seen.push(row.bucket);
  }
  return seen;
}

export interface AttributionView {
  config: string;
  /** How the profiled extra CPU compares with the measured overhead, and what the profiles cannot see. */
  coverage: string;
  rows: Array<{ bucket: string; label: string; configMs: string; baselineMs: string; deltaMs: string; share: string; measuredMs: string }>;
  functions: Array<{ where: string; deltaMs: string }>;
}

const ms = (value: number) => formatNumber(value);
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${ms(Math.abs(value))}`;

/**
 * The rows worth showing: every bucket whose change is at least 2% of the profiled extra CPU (or 2 µs), the rest
 * summed. "share" is of the profiled extra CPU; "of the measured" applies that share to the overhead the paired,
 * unprofiled windows measured, since the profiler and inlining-off slow the code they watch.
 */
export function attributionView(a: Attribution): AttributionView {
  const profiled = a.profiledDeltaMsPerRequest;
  const scale = Math.max(Math.abs(profiled), 1e-9);
  const toMeasured = a.measuredDeltaMsPerRequest !== undefined && profiled > 0 ? a.measuredDeltaMsPerRequest / profiled : undefined;
  const shown = a.rows.filter((r) => Math.abs(r.deltaMsPerRequest) >= Math.max(0.02 * scale, 0.002));
  const rest = a.rows.filter((r) => !shown.includes(r));
  const row = (bucket: string, label: string, delta: number, configMs = '', baselineMs = '') => ({
    bucket, label, configMs, baselineMs, deltaMs: signed(delta), share: `${delta < 0 ? '−' : ''}${Math.abs(Math.round((100 * delta) / scale))}%`,
    measuredMs: toMeasured !== undefined ? signed(delta * toMeasured) : '',
  });
  const rows = shown.map((r) => row(r.bucket, bucketLabel(r.bucket), r.deltaMsPerRequest, ms(r.configMsPerRequest), ms(r.baselineMsPerRequest)));
  if (rest.length) rows.push(row('', `${rest.length} smaller buckets`, rest.reduce((s, r) => s + r.deltaMsPerRequest, 0)));
  const measured = a.measuredDeltaMsPerRequest;
  let coverage: string;
  if (measured === undefined) {
    coverage = `${ms(profiled)} ms/req extra in the profiled window; no paired estimate to set it against. ${a.notCovered}`;
  } else if (profiled >= measured) {
    coverage = `The profiled windows read ${ms(profiled)} ms/req extra against the ${ms(measured)} ms/req the paired windows measured ` +
      `(${(profiled / measured).toFixed(2)}×: V8's sampling and inlining-off slow the code they watch), so all of the measured overhead is attributed; ` +
      `the last column applies each share to it. ${a.notCovered}`;
  } else {
    coverage = `The profiled windows read ${ms(profiled)} ms/req extra against the ${ms(measured)} ms/req measured: ${Math.round((100 * profiled) / measured)}% is ` +
      `attributed, and ${ms(measured - profiled)} ms/req (${Math.round((100 * (measured - profiled)) / measured)}%) is unattributed. ${a.notCovered}`;
  }
  const functions = a.topFunctions.filter((f) => f.deltaMsPerRequest > 0).map((f) => ({
    where: `${f.functionName} (${bucketLabel(f.bucket)}${f.url ? `, ${f.url.replace(/^file:\/\//, '').split('/').slice(-2).join('/')}:${f.line}` : ''})`,
    deltaMs: `+${ms(f.deltaMsPerRequest)}`,
  }));
  return { config: a.config, coverage, rows, functions };
}

/** For the terminal: each config's largest buckets in one line. */
export function renderAttributionText(profiling: ProfilingRecord): string {
  if (!profiling.attribution.length) return '';
  const lines = [`Where the overhead goes (profiling pass, V8 sampling every ${profiling.intervalUs} µs, ms CPU/req against the baseline):`];
  for (const a of profiling.attribution) {
    const view = attributionView(a);
    lines.push(`  ${a.config}: ${view.rows.slice(0, 5).map((r) => `${r.label} ${r.deltaMs}`).join(', ')}` +
      // A share at or below 0 means the shared buckets' noise outweighed the agent's rows: say nothing rather than "−49%".
      (a.attributedShare !== undefined && a.attributedShare > 0 ? `  (${Math.round(100 * Math.min(1, a.attributedShare))}% of the measured extra CPU attributed)` : ''));
  }
  return `${lines.join('\n')}\n`;
}

/** For Markdown: a table per config, its top functions and what is not covered. */
export function renderAttributionMarkdown(profiling: ProfilingRecord): string[] {
  if (!profiling.attribution.length) return [];
  const lines = ['## Where the overhead goes', '',
    `Each config ran once more, alone, under the same load, with V8's sampling profiler every ${profiling.intervalUs} µs; these windows are not in the estimates. ` +
    'Each sample\'s self time goes to the package that owns its frame.', ''];
  for (const a of profiling.attribution) {
    const view = attributionView(a);
    lines.push(`### ${a.config}`, '', '| where | ms/req profiled | baseline | extra | share | of the measured overhead |', '|---|---|---|---|---|---|');
    for (const r of view.rows) lines.push(`| ${r.label} | ${r.configMs} | ${r.baselineMs} | ${r.deltaMs} | ${r.share} | ${r.measuredMs} |`);
    lines.push('', view.coverage, '');
    if (view.functions.length) lines.push('Top functions by added self time:', '', ...view.functions.map((f) => `- ${f.where}: ${f.deltaMs} ms/req`), '');
  }
  return lines;
}
