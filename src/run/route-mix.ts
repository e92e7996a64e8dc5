import type { Route } from '../scenario/schema.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * A repeating request sequence whose shares follow the weights, evenly
 * interleaved (smooth weighted round-robin, as in nginx), so every connection
 * sees the whole mix within a short cycle instead of long runs of one route.
 */
export function weightedSequence<T extends { weight: number }>(routes: readonly T[], maxLength = 200): T[] {
  const scale = 100;
  let weights = routes.map((route) => Math.max(1, Math.round(route.weight * scale)));
  const divisor = weights.reduce(gcd);
  weights = weights.map((w) => w / divisor);
  let total = weights.reduce((sum, w) => sum + w, 0);
  if (total > maxLength) {
    weights = weights.map((w) => Math.max(1, Math.round((w * maxLength) / total)));
    total = weights.reduce((sum, w) => sum + w, 0);
  }
  const current = weights.map(() => 0);
  const sequence: T[] = [];
  for (let step = 0; step < total; step += 1) {
    let best = 0;
    for (let i = 0; i < weights.length; i += 1) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    sequence.push(routes[best]!);
  }
  return sequence;
}

export interface WireRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Carries the credential of workload.login. */
  auth?: true;
}

export function toWireRequest(route: Route): WireRequest {
  const headers: Record<string, string> = { ...(route.headers ?? {}) };
  let body: string | undefined;
  if (route.body !== undefined) {
    if (typeof route.body === 'string') body = route.body;
    else {
      body = JSON.stringify(route.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  return {
    method: route.method,
    path: route.path,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(route.auth ? { auth: true as const } : {}),
  };
}
