import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import type { InstrumentationConfig } from './types.js';

const loopbackNames = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (loopbackNames.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

/** Env keys that name where telemetry goes. */
const destinationKey = /(URL|URI|ENDPOINT|HOST|HOSTNAME|DSN|SITE|ADDR|ADDRESS|COLLECTOR|PROXY)$/i;

/** The host an env value points at, if it looks like a URL, a DSN or a bare host. */
export function destinationHost(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return new URL(trimmed).hostname;
  } catch {
    return trimmed;
  }
  return trimmed.split(':')[0];
}

/**
 * Refuse a config that would export anywhere but this machine: a benchmark
 * must never send telemetry to a real vendor. Checked before anything runs.
 */
export function assertLoopbackOnly(config: InstrumentationConfig, where: string): void {
  for (const [key, value] of Object.entries(config.env)) {
    if (!destinationKey.test(key) && !/^DD_SITE$/i.test(key)) continue;
    if (/^unix:/i.test(value.trim())) {
      throw new InputError(
        `${where}: ${config.name}: ${key}=${value} points at a Unix socket, where a real agent on this machine would listen and forward to the vendor. ` +
        'apm-bench runs its own intake on 127.0.0.1 and points each agent at it; remove this setting from the scenario.',
      );
    }
    const host = destinationHost(value);
    if (host === undefined || isLoopbackHost(host)) continue;
    throw new InputError(
      `${where}: ${config.name}: ${key}=${value} would send telemetry to ${host}, which is not this machine. ` +
      'apm-bench only exports to its own local intakes (127.0.0.1); remove this setting from the scenario.',
    );
  }
}
