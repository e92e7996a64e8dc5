import type { z } from 'zod';
import type { Adapter } from './types.js';
import { datadog } from './datadog.js';
import { sentry } from './sentry.js';
import { prometheus } from './prometheus.js';
import { opentelemetry } from './opentelemetry.js';
import { newrelic } from './newrelic.js';
import { stackAdapter } from './stack.js';

/** Vendor adapters. Each lives in its own file; list it here once. */
const vendors: Adapter[] = [datadog, sentry, prometheus, opentelemetry, newrelic];

/** The vendors, and stacks of them (several agents in one process). */
export const adapters: Adapter[] = [...vendors, stackAdapter(vendors)];

export function adapterSchemas(): z.ZodType[] {
  return adapters.map((adapter) => adapter.entrySchema);
}

/** The adapter of a config kind ("datadog"); undefined for none and custom preloads. */
export function adapterFor(kind: string): Adapter | undefined {
  return adapters.find((adapter) => adapter.kind === kind);
}
