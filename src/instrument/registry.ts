import type { z } from 'zod';
import type { Adapter } from './types.js';
import { datadog } from './datadog.js';
import { sentry } from './sentry.js';
import { prometheus } from './prometheus.js';
import { opentelemetry } from './opentelemetry.js';
import { newrelic } from './newrelic.js';

/** Vendor adapters. Each lives in its own file; list it here once. */
export const adapters: Adapter[] = [datadog, sentry, prometheus, opentelemetry, newrelic];

export function adapterSchemas(): z.ZodType[] {
  return adapters.map((adapter) => adapter.entrySchema);
}

/** The adapter of a config kind ("datadog"); undefined for none and custom preloads. */
export function adapterFor(kind: string): Adapter | undefined {
  return adapters.find((adapter) => adapter.kind === kind);
}
