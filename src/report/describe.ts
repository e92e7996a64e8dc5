import { basename } from 'node:path';
import { adapters } from '../instrument/registry.js';
import { LADDER_LEVELS, type LadderLevel } from '../instrument/ladder.js';
import type { ConfigRecord } from '../samples/result.js';

const rateOptions = ['sampleRate', 'tracesSampleRate', 'ratio'] as const;

function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

/** A config in words for readers who do not know the config names: "Datadog dd-trace at 10% sampling". */
export function describeConfig(record: Pick<ConfigRecord, 'kind' | 'options' | 'preloads'>): string {
  if (record.kind === 'none') return 'no instrumentation';
  if (record.kind === 'custom') return `custom preload ${record.preloads.map((p) => basename(p)).join(', ')}`;
  const label = adapters.find((a) => a.kind === record.kind)?.label ?? record.kind;
  const level = record.options.ladder;
  if (typeof level === 'string' && level in LADDER_LEVELS) return `${label}, ladder ${level}: ${LADDER_LEVELS[level as LadderLevel]}`;
  const option = rateOptions.find((key) => typeof record.options[key] === 'number');
  return option ? `${label} at ${percent(record.options[option] as number)} sampling` : label;
}
