import { isIP } from 'node:net';
import { InputError } from '../errors.js';

/**
 * Every way telemetry could leave this machine, and the check that refuses a scenario opening one. Each adapter
 * declares its agent's own routes (agentless modes, debug sinks, cloud metadata lookups, licence keys); the routes
 * here are every agent's and the app's: destinations in env, proxies, NODE_OPTIONS with an inspector or an env file.
 * The check reads every env a run gets (each config's, target.env, the env file) and each config's node options.
 * What configuration cannot rule out (a preload's own code) the network namespace does: run/network.ts.
 */
export interface EgressRoute {
  /** In words, for the refusal: "Sentry Spotlight: a copy of every envelope to a sidecar". */
  route: string;
  /** The env variables that open it. */
  keys: RegExp;
  /** True when this value keeps the route shut; by default only an "off" word (false, 0, no, off…) does. */
  shut?: (value: string) => boolean;
  /** Where the vendor documents it. */
  source: string;
}

const loopbackNames = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (loopbackNames.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

/** "false", "0", "no", "off", "none", or nothing: a switch that is off. */
export const isOff = (value: string): boolean => /^\s*(|0|false|f|no|n|off|none|disabled?)\s*$/i.test(value);

/** Env keys that name where something goes. NO_PROXY lists where a proxy is *not* used: not a destination. */
const destinationKey = /(URL|URI|ENDPOINT|HOST|HOSTNAME|DSN|SITE|ADDR|ADDRESS|COLLECTOR|PROXY|_IP|SERVER)(_V\d+)?$/i;
const notDestination = /^(NO_PROXY)$/i;

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

/** Flags in NODE_OPTIONS (or a config's node options) that send data off the machine, or load settings the check never read. */
export function nodeOptionsEgress(tokens: readonly string[]): string | undefined {
  for (const token of tokens) {
    const [flag, inline] = token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    if (flag === '--env-file' || flag === '--env-file-if-exists') {
      return `${token} loads variables (DSNs, endpoints, keys) from a file this check never reads; name it in target.envFile, which is read and checked`;
    }
    if (/^--(inspect|inspect-brk|inspect-wait|inspect-port|debug-port)$/.test(flag) && inline !== undefined) {
      const host = inline.includes(':') ? inline.slice(0, inline.lastIndexOf(':')) : /^\d+$/.test(inline) ? '127.0.0.1' : inline;
      if (!isLoopbackHost(host)) return `${token} opens the inspector on ${host}, reachable from other machines; use ${flag}=127.0.0.1:${inline.split(':').pop()}`;
    }
  }
  return undefined;
}

/** The routes every agent and the app share. */
export const commonRoutes: EgressRoute[] = [
  {
    route: 'a destination: a URL, DSN, host or proxy that is not this machine',
    keys: destinationKey,
    shut: (value) => {
      const host = destinationHost(value);
      return host === undefined || isLoopbackHost(host);
    },
    source: 'every agent reads its endpoint from env (DD_TRACE_AGENT_URL, SENTRY_DSN, OTEL_EXPORTER_OTLP_ENDPOINT, NEW_RELIC_HOST, HTTPS_PROXY)',
  },
];

function refusal(where: string, owner: string, key: string, value: string, why: string): InputError {
  const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return new InputError(`${where}: ${owner}${key}=${shown} ${why}. apm-bench runs its own intakes on 127.0.0.1 and points each agent at them; ` +
    'remove this setting from the scenario.');
}

/**
 * Refuse env that would open a route off this machine: checked before anything runs, over every env map a run gets.
 * `owner` names the config ("datadog@1: "), or is empty for target.env.
 */
export function assertNoEgress(env: Readonly<Record<string, string>>, where: string, routes: readonly EgressRoute[], owner = ''): void {
  for (const [key, value] of Object.entries(env)) {
    if (/^NODE_OPTIONS$/i.test(key)) {
      const why = nodeOptionsEgress(value.trim().split(/\s+/).filter(Boolean));
      if (why) throw refusal(where, owner, key, value, `: ${why}`);
      continue;
    }
    if (notDestination.test(key)) continue;
    if (destinationKey.test(key) && /^unix:/i.test(value.trim())) {
      throw refusal(where, owner, key, value, 'points at a Unix socket, where a real agent on this machine would listen and forward to the vendor');
    }
    for (const route of routes) {
      if (!route.keys.test(key)) continue;
      if ((route.shut ?? isOff)(value)) continue;
      const host = route === commonRoutes[0] ? destinationHost(value) : undefined;
      const why = host ? `would send telemetry to ${host}, which is not this machine` : `opens a route off this machine (${route.route}; ${route.source})`;
      throw refusal(where, owner, key, value, why);
    }
  }
}
