import type { z } from 'zod';
import type { Adapter } from './types.js';

/** Vendor adapters. Each lives in its own file; list it here once. */
export const adapters: Adapter[] = [];

export function adapterSchemas(): z.ZodType[] {
  return adapters.map((adapter) => adapter.entrySchema);
}
