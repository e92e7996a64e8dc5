import { basename } from 'node:path';
import { adapterFor } from '../instrument/registry.js';
import { LADDER_LEVELS, type LadderLevel } from '../instrument/ladder.js';
import type { ConfigRecord, ResultDocument } from '../samples/result.js';

function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

/** A config in words for readers who do not know the config names: "Datadog dd-trace at 10% sampling". */
export function describeConfig(record: Pick<ConfigRecord, 'kind' | 'options' | 'preloads' | 'sampleRate' | 'runtime'>): string {
  const what = describeAgent(record);
  return record.runtime ? `${what}, on Node ${record.runtime.spec} (beside a baseline on the same)` : what;
}

function describeAgent(record: Pick<ConfigRecord, 'kind' | 'options' | 'preloads' | 'sampleRate'>): string {
  if (record.kind === 'none') return 'no instrumentation';
  if (record.kind === 'custom') return `custom preload ${record.preloads.map((p) => basename(p)).join(', ')}`;
  const label = adapterFor(record.kind)?.label ?? record.kind;
  const level = record.options.ladder;
  if (typeof level === 'string' && level in LADDER_LEVELS) return `${label}, ladder ${level}: ${LADDER_LEVELS[level as LadderLevel]}`;
  return record.sampleRate !== undefined ? `${label} at ${percent(record.sampleRate)} sampling` : label;
}

/** The session's design in one sentence, for every report's header. */
export function describeDesign(result: Pick<ResultDocument, 'runs' | 'design' | 'scenario'>): string {
  const rounds = new Set(result.runs.map((r) => r.round)).size;
  const rates = `${result.design.ratesRps.join(' and ')} req/s (${result.design.arrival} arrivals, open loop)`;
  if (result.design.kind === 'co-scheduled') {
    const pairs = new Set(result.runs.map((r) => r.pair)).size;
    return `${pairs} co-scheduled pairs in ${rounds} rounds at ${rates}: each candidate ran at the same time as its own fresh \`${result.scenario.baseline}\`, both on the same ` +
      `CPU under the same load`;
  }
  return `${result.runs.length} runs in ${rounds} rounds at ${rates}, one target at a time, each config against the \`${result.scenario.baseline}\` run of its round`;
}
