import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';

const price = z.strictObject({ value: z.number().nonnegative(), unit: z.string(), source: z.string(), kind: z.enum(['official', 'third_party']) });
const tier = z.strictObject({ upTo: z.number().positive().nullable(), price: z.number().nonnegative() });
const sentryPlan = z.strictObject({ monthly: price, includedErrors: price, includedSpans: price, spanPrice: price, errorTiers: z.array(tier).min(1) });

export const pricingSchema = z.strictObject({
  pricing_version: z.string(),
  currency: z.literal('USD'),
  hoursPerMonth: price,
  datadog: z.strictObject({
    plans: z.record(z.string(), z.strictObject({ hostMonthly: price, fargateTaskMonthly: price })),
    ingestedGBIncludedPerHost: price, indexedSpansIncludedPerHost: price,
    ingestedGBIncludedPerFargateTask: price, indexedSpansIncludedPerFargateTask: price,
    ingestedGBOverage: price, indexedPerMillionOverage: price, infraHostMonthly: price,
  }),
  sentry: z.strictObject({ plans: z.record(z.string(), sentryPlan) }),
  grafana: z.strictObject({ proMonthly: price, freeSeries: price, perThousandSeries: price, freeTracesGB: price, tracesPerGB: price }),
  compute: z.strictObject({
    fargateVcpuHour: price,
    fargateGBHour: price,
    instances: z.record(z.string(), z.strictObject({ vcpu: z.number().positive(), memoryGiB: z.number().positive(), hourly: price })),
  }),
});

export type Pricing = z.output<typeof pricingSchema>;
export type SentryPlan = z.output<typeof sentryPlan>;

export const defaultPricingPath = join(packageRoot, 'pricing', 'default.yaml');

/** Objects merge key by key; everything else (numbers, strings, arrays) is replaced. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (base && override && typeof base === 'object' && typeof override === 'object' && !Array.isArray(base) && !Array.isArray(override)) {
    const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override as Record<string, unknown>)) merged[key] = deepMerge(merged[key], value);
    return merged;
  }
  return override === undefined ? base : override;
}

function readYaml(path: string): unknown {
  if (!existsSync(path)) throw new InputError(`${path}: no such pricing file.`);
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The default pricing, with the user's file (if any) deep-merged over it, validated. */
export function loadPricing(userFile?: string): Pricing {
  const merged = userFile ? deepMerge(readYaml(defaultPricingPath), readYaml(userFile)) : readYaml(defaultPricingPath);
  const parsed = pricingSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new InputError(`${userFile ?? defaultPricingPath}: ${first.path.join('.')}: ${first.message} (every price is { value, unit, source, kind: official | third_party }).`);
  }
  return parsed.data;
}

/** Every distinct source named in a pricing file, with whether it is official, for the report's footnote. */
export function pricingSources(pricing: Pricing): string[] {
  const sources = new Set<string>();
  const collect = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.source === 'string') sources.add(`${record.source} (${String(record.kind)})`);
    else Object.values(record).forEach(collect);
  };
  collect(pricing);
  return [...sources];
}
