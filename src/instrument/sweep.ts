import { z } from 'zod';
import { faultSuffix, type IntakeFault } from './fault.js';

/** A number, or a list of numbers to sweep (one config per value). */
export const sweepable = (inner: z.ZodNumber) => z.union([inner, z.array(inner).min(1)]);

/**
 * Expand list-valued options into one option set per combination, and name each
 * `kind@value` (or `kind@key=value,…` when several options are swept), plus `+intake-down` when the intake is faulted.
 */
export function expandSweep(
  kind: string,
  options: Record<string, unknown>,
  sweepKeys: readonly string[],
  primaryKey: string,
): Array<{ name: string; options: Record<string, unknown> }> {
  const swept = sweepKeys.filter((key) => Array.isArray(options[key]));
  let combos: Array<Record<string, unknown>> = [{ ...options }];
  for (const key of swept) {
    combos = combos.flatMap((combo) => (options[key] as unknown[]).map((value) => ({ ...combo, [key]: value })));
  }
  const prefix = typeof options.name === 'string' ? options.name : kind;
  return combos.map((combo) => {
    let suffix: string;
    if (swept.length > 1) suffix = swept.map((key) => `${key}=${String(combo[key])}`).join(',');
    else suffix = String(combo[swept[0] ?? primaryKey] ?? '');
    return { name: `${suffix ? `${prefix}@${suffix}` : prefix}${faultSuffix(options.intake as IntakeFault | undefined)}`, options: combo };
  });
}
