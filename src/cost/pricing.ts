import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { InputError, readRegularFile } from '../errors.js';
import { packageRoot } from '../paths.js';

/**
 * One price, always with its unit, its source and the date it was read there
 * (`asOf`), so a reader can tell how old it is. `kind: yours` marks a value
 * from the user's --pricing file. Vendor adapters validate their sections with it.
 */
export const priceSchema = z.strictObject({
  // Finite and bounded: a price of 1e400 reads as Infinity and every bill beside it as $∞.
  value: z.number().nonnegative().max(1e12),
  unit: z.string(),
  source: z.string(),
  url: z.string().optional(),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date like 2026-11-01' }),
  kind: z.enum(['official', 'third_party', 'yours']),
});
export type Price = z.output<typeof priceSchema>;
const tier = z.strictObject({ upTo: z.number().positive().max(1e15).nullable(), price: z.number().nonnegative().max(1e12) });
const sentryPlan = z.strictObject({
  monthly: priceSchema, includedErrors: priceSchema, includedSpans: priceSchema, spanTiers: z.array(tier).min(1), errorTiers: z.array(tier).min(1),
});

const pricingShape = {
  pricing_version: z.string(),
  currency: z.literal('USD'),
  // Monthly volumes divide by it: 0 hours would make every rate infinite.
  hoursPerMonth: priceSchema.refine((price) => price.value >= 1 && price.value <= 744, { message: 'expected from 1 to 744 hours (31 days)', path: ['value'] }),
  datadog: z.strictObject({
    plans: z.record(z.string(), z.strictObject({ hostMonthly: priceSchema, fargateTaskMonthly: priceSchema })),
    ingestedGBIncludedPerHost: priceSchema, indexedSpansIncludedPerHost: priceSchema,
    ingestedGBIncludedPerFargateTask: priceSchema, indexedSpansIncludedPerFargateTask: priceSchema,
    ingestedGBOverage: priceSchema, indexedPerMillionOverage: priceSchema, infraHostMonthly: priceSchema,
    customMetricsIncludedPerHost: priceSchema, customMetricsPer100: priceSchema,
    logsIngestedPerGB: priceSchema.optional(), logsIndexedPerMillion: priceSchema.optional(),
  }),
  sentry: z.strictObject({ plans: z.record(z.string(), sentryPlan), reservedDiscount: priceSchema }),
  grafana: z.strictObject({
    proMonthly: priceSchema, freeSeries: priceSchema, perThousandSeries: priceSchema, includedDpmPerSeries: priceSchema,
    freeTracesGB: priceSchema, tracesProcessedPerGB: priceSchema, tracesWrittenPerGB: priceSchema,
  }),
  compute: z.strictObject({
    fargateVcpuHour: priceSchema,
    fargateGBHour: priceSchema,
    instances: z.record(z.string(), z.strictObject({ vcpu: z.number().positive(), memoryGiB: z.number().positive(), hourly: priceSchema })),
  }),
};
// Loose at the top when parsing: a vendor section the core does not know (newrelic:) passes through to its adapter's bill.
export const pricingSchema = z.looseObject(pricingShape);

/** Strict as a type, so a misspelt field (pricing.version for pricing_version) does not compile; vendorSection() reads the rest. */
export type Pricing = z.output<z.ZodObject<typeof pricingShape>>;

/** A vendor's own section of the pricing file, which its adapter validates (e.g. newrelic:). */
export function vendorSection(pricing: Pricing, vendor: string): unknown {
  return Object.hasOwn(pricing, vendor) ? (pricing as unknown as Record<string, unknown>)[vendor] : undefined;
}
export type SentryPlan = z.output<typeof sentryPlan>;

export const defaultPricingPath = join(packageRoot, 'pricing', 'default.yaml');

/** Objects merge key by key; everything else (numbers, strings, arrays) is replaced. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (base && override && typeof base === 'object' && typeof override === 'object' && !Array.isArray(base) && !Array.isArray(override)) {
    const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override as Record<string, unknown>)) {
      // `__proto__: …` in YAML would replace the merged object's prototype, and hide its keys from the schema.
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new InputError(`a key named "${key}" is not a price`);
      merged[key] = deepMerge(Object.hasOwn(merged, key) ? merged[key] : undefined, value);
    }
    return merged;
  }
  return override === undefined ? base : override;
}

function readYaml(path: string): unknown {
  const text = readRegularFile(path, path, 'pricing file', 1024 * 1024);
  try {
    return parse(text);
  } catch (error) {
    throw new InputError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * A value the user's file sets is the user's price, not the vendor page's:
 * say so, with the file and its date, unless the file gives its own source.
 */
function markUserPrices(node: unknown, file: string, asOf: string): unknown {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const record = node as Record<string, unknown>;
  if ('value' in record && typeof record.value === 'number') {
    return { source: `your pricing file ${file}`, kind: 'yours', asOf, url: '', ...record };
  }
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, markUserPrices(value, file, asOf)]));
}

/** The default pricing, with the user's file (if any) deep-merged over it, validated. */
export function loadPricing(userFile?: string): Pricing {
  const user = userFile ? markUserPrices(readYaml(userFile), userFile, statSync(userFile).mtime.toISOString().slice(0, 10)) : undefined;
  let merged: unknown;
  try {
    merged = user ? deepMerge(readYaml(defaultPricingPath), user) : readYaml(defaultPricingPath);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${userFile}: ${error.message}.`);
    throw error;
  }
  const parsed = pricingSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const shape = '{ value, unit, source, url, asOf, kind: official | third_party | yours }';
    throw new InputError(`${userFile ?? defaultPricingPath}: ${first.path.join('.') || '(top level)'}: ${first.message} (every price is ${shape}).`);
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

export interface PriceEntry extends Price {
  /** Where it sits in the file, e.g. "datadog.plans.apm.hostMonthly". */
  path: string;
}

/** Every price in the file, in file order, with its path. */
export function priceEntries(pricing: Pricing): PriceEntry[] {
  const entries: PriceEntry[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    const record = node as Record<string, unknown>;
    const parsed = priceSchema.safeParse(record);
    if (parsed.success) {
      entries.push({ path: path.join('.'), ...parsed.data });
      return;
    }
    for (const [key, value] of Object.entries(record)) {
      // Price tiers (Sentry's errorTiers, spanTiers) carry the source and date of their plan's fee.
      const plan = priceSchema.safeParse(record.monthly);
      if (Array.isArray(value) && plan.success) {
        value.forEach((tier: { upTo: number | null; price: number }, i) => {
          const unit = `USD each, ${tier.upTo === null ? 'above the last tier' : `up to ${tier.upTo.toLocaleString('en-US')}`}`;
          entries.push({ ...plan.data, path: [...path, `${key}[${i}]`].join('.'), value: tier.price, unit });
        });
      } else {
        walk(value, [...path, key]);
      }
    }
  };
  walk(pricing, []);
  return entries;
}

/** Whole months from `asOf` to `today` (both YYYY-MM-DD). */
export function priceAgeMonths(asOf: string, today: string): number {
  const [y1, m1, d1] = asOf.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = today.split('-').map(Number) as [number, number, number];
  return Math.max(0, (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0));
}

/** Prices older than this are flagged wherever a bill is printed. */
export const STALE_AFTER_MONTHS = 6;

export function stalePrices(pricing: Pricing, today: string): PriceEntry[] {
  return priceEntries(pricing).filter((entry) => priceAgeMonths(entry.asOf, today) > STALE_AFTER_MONTHS);
}
