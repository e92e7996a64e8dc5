/**
 * A traffic profile: how many requests a month, and optionally the peak rate a
 * fixed fleet must be sized for. Written the way people say it:
 *   "500M" or "500M/month"      requests per month
 *   "190rps" or "190/s"         average requests per second
 *   "190rps,peak=800rps"        average plus peak (also "avg=190rps,peak=800rps", "500M,peak=800rps")
 */
export interface TrafficProfile {
  requestsPerMonth: number;
  /** Peak req/s: when set, extra compute is a fleet sized for the peak, not autoscaled vCPU-hours. */
  peakRps?: number;
  /** The profile in words, for reports: "500M requests/month (peak 800 req/s)". */
  text: string;
}

/** Beyond these a bill overflows to nonsense; no service is near them. */
export const MAX_REQUESTS_PER_MONTH = 1e15;
export const MAX_PEAK_RPS = 1e9;

const suffix: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9 };

/** "500M", "1.2B", "750k" or a plain number. */
export function parseCount(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*(?:\/\s*(?:month|mo))?\s*$/i.exec(text);
  return match ? Number(match[1]) * suffix[match[2]!.toLowerCase()]! : undefined;
}

/** "190rps", "190 req/s", "190/s", "1.5k rps". */
export function parseRate(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmb]?)\s*(?:rps|req\/s|\/s)\s*$/i.exec(text);
  return match ? Number(match[1]) * suffix[match[2]!.toLowerCase()]! : undefined;
}

function compact(n: number): string {
  for (const [unit, size] of [['B', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (n >= size) return `${Number((n / size).toPrecision(3))}${unit}`;
  }
  return `${Number(n.toPrecision(3))}`;
}

/** Parse a traffic profile; undefined with a reason when it does not parse. */
export function parseTraffic(text: string, hoursPerMonth: number): TrafficProfile | { error: string } {
  const secondsPerMonth = hoursPerMonth * 3600;
  let requestsPerMonth: number | undefined;
  let peakRps: number | undefined;
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.includes('=') ? part.split('=', 2).map((s) => s.trim()) as [string, string] : ['', part];
    if (key === 'peak') {
      peakRps = parseRate(value);
      if (peakRps === undefined) return { error: `peak: expected a rate like "800rps", got "${value}"` };
    } else if (key === '' || key === 'avg' || key === 'average' || key === 'monthly') {
      const rate = parseRate(value);
      const count = rate === undefined ? parseCount(value) : undefined;
      if (rate === undefined && count === undefined) return { error: `expected requests per month ("500M") or an average rate ("190rps"), got "${value}"` };
      requestsPerMonth = rate !== undefined ? rate * secondsPerMonth : count;
    } else {
      return { error: `unknown part "${key}=" (use avg=…, peak=…)` };
    }
  }
  if (requestsPerMonth === undefined) return { error: 'no monthly volume or average rate given' };
  if (!(requestsPerMonth > 0)) return { error: 'the traffic must be more than 0 requests' };
  if (!(requestsPerMonth <= MAX_REQUESTS_PER_MONTH)) return { error: `at most ${MAX_REQUESTS_PER_MONTH.toExponential()} requests a month (1000× the largest public APIs)` };
  if (peakRps !== undefined && !(peakRps > 0 && peakRps <= MAX_PEAK_RPS)) return { error: `peak: more than 0 and at most ${MAX_PEAK_RPS.toExponential()} req/s` };
  const averageRps = requestsPerMonth / secondsPerMonth;
  if (peakRps !== undefined && peakRps < averageRps) return { error: `peak ${peakRps} req/s is below the average ${averageRps.toFixed(0)} req/s` };
  return {
    requestsPerMonth,
    ...(peakRps !== undefined ? { peakRps } : {}),
    text: `${compact(requestsPerMonth)} requests/month ` +
      `(${peakRps !== undefined ? `average ${compact(averageRps)} req/s, peak ${compact(peakRps)} req/s` : `average ${compact(averageRps)} req/s`})`,
  };
}
