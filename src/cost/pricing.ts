import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';

/** One price, always with its unit and its source. Vendor adapters validate their own sections with it. */
export const priceSchema = z.strictObject({ value: z.number().nonnegative(), unit: z.string(), source: z.string(), kind: z.enum(['official', 'third_party']) });
const tier = z.strictObject({ upTo: z.number().positive().nullable(), price: z.number().nonnegative() });
const sentryPlan = z.strictObject({ monthly: priceSchema, includedErrors: priceSchema, includedSpans: priceSchema, spanPrice: priceSchema, errorTiers: z.array(tier).min(1) });

// Loose at the top: a vendor section the core does not know (newrelic:) passes through to its adapter's bill.
export const pricingSchema = z.looseObject({
  pricing_version: z.string(),
  currency: z.literal('USD'),
  hoursPerMonth: priceSchema,
  datadog: z.strictObject({
    plans: z.record(z.string(), z.strictObject({ hostMonthly: priceSchema, fargateTaskMonthly: priceSchema })),
    ingestedGBIncludedPerHost: priceSchema, indexedSpansIncludedPerHost: priceSchema,
    ingestedGBIncludedPerFargateTask: priceSchema, indexedSpansIncludedPerFargateTask: priceSchema,
    ingestedGBOverage: priceSchema, indexedPerMillionOverage: priceSchema, infraHostMonthly: priceSchema,
  }),
  sentry: z.strictObject({ plans: z.record(z.string(), sentryPlan) }),
  grafana: z.strictObject({ proMonthly: priceSchema, freeSeries: priceSchema, perThousandSeries: priceSchema, freeTracesGB: priceSchema, tracesPerGB: priceSchema }),
  compute: z.strictObject({
    fargateVcpuHour: priceSchema,
    fargateGBHour: priceSchema,
    instances: z.record(z.string(), z.strictObject({ vcpu: z.number().positive(), memoryGiB: z.number().positive(), hourly: priceSchema })),
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
