import { z } from 'zod';
import { boundedDuration } from '../samples/units.js';

/**
 * A backend that misbehaves, as agents meet it in production: `down` refuses every connection, `{ latency: 2s }`
 * answers each request that much later. Set per config (`datadog: { intake: down }`) to see what an agent buffers,
 * drops and costs when its backend is sick.
 */
export const intakeFaultSchema = z.union([
  z.literal('down'),
  z.strictObject({ latency: boundedDuration(1, 120_000).meta({ description: 'Answer every request this much later, e.g. "2s".' }) }),
]).meta({ description: 'Fault the local intake: "down" (connection refused) or { latency: 2s }.' });
export type IntakeFault = z.output<typeof intakeFaultSchema>;

/** How a config's name says its intake is faulted: "+intake-down", "+intake-2s". */
export function faultSuffix(fault: IntakeFault | undefined): string {
  if (fault === undefined) return '';
  return fault === 'down' ? '+intake-down' : `+intake-${fault.latency >= 1000 ? `${fault.latency / 1000}s` : `${fault.latency}ms`}`;
}
