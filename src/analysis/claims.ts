import type { Estimate } from '../samples/analysis.js';

/** What an agent does, so a claim about "APM" or "metrics" finds the configs it is about. */
export type AgentRole = 'tracing' | 'metrics';

export type ClaimVerdict = 'confirmed' | 'refuted' | 'undecided';

/** What a claim is checked against: the CPU estimate and the measured volume of one config. */
export interface ClaimEvidence {
  cpu?: Estimate;
  bytesPerRequest?: number;
  /** The config's projected vendor bill at the report's traffic, and what it is spread over. */
  bill?: { vendorUsdPerMonth: number; p99Hosts: number; requestsPerMonth: number; sampleRate?: number };
}

/** One of the seed guides' unmeasured claims (../shared/reference/claims.md), as a check against a result. */
export interface Claim {
  source: string;
  text: string;
  /** The agents it is about by role; a claim about one vendor is listed by that vendor's adapter instead. */
  roles?: AgentRole[];
  check: (evidence: ClaimEvidence) => { verdict: ClaimVerdict; measured: string } | undefined;
}

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(Math.abs(x) >= 1 ? 0 : 1)}%`;

/** CPU overhead below a limit: confirmed when the whole CI is under it, refuted when the whole CI is over it. */
export function cpuBelow(limit: number): Claim['check'] {
  return ({ cpu }) => {
    if (!cpu) return undefined;
    const measured = `CPU/req ${pct(cpu.overhead)} [${pct(cpu.overheadCI.low)}, ${pct(cpu.overheadCI.high)}]`;
    if (cpu.overheadCI.high < limit) return { verdict: 'confirmed', measured };
    if (cpu.overheadCI.low > limit) return { verdict: 'refuted', measured };
    return { verdict: 'undecided', measured };
  };
}

const usd = (x: number) => `$${x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3)}`;

/** A vendor's monthly bill per host within [low, high] dollars, at the report's traffic. */
export function billPerHostWithin(low: number, high: number): Claim['check'] {
  return ({ bill }) => {
    if (!bill || bill.p99Hosts <= 0) return undefined;
    const perHost = bill.vendorUsdPerMonth / bill.p99Hosts;
    const measured = `${usd(perHost)}/host/month (${usd(bill.vendorUsdPerMonth)} over ${bill.p99Hosts.toFixed(2)} hosts at this traffic)`;
    return { verdict: perHost >= low && perHost <= high ? 'confirmed' : 'refuted', measured };
  };
}

/** A vendor's bill per sampled transaction near a claimed price (within ±25%), at the report's traffic. */
export function billPerTransactionNear(claimedUsd: number): Claim['check'] {
  return ({ bill }) => {
    if (!bill || !bill.requestsPerMonth) return undefined;
    const transactions = bill.requestsPerMonth * (bill.sampleRate ?? 1);
    if (transactions <= 0) return undefined;
    const perTransaction = bill.vendorUsdPerMonth / transactions;
    const measured = `$${perTransaction.toPrecision(2)} per sampled transaction (${usd(bill.vendorUsdPerMonth)}/month for ${(transactions / 1e6).toPrecision(3)}M)`;
    return { verdict: Math.abs(perTransaction / claimedUsd - 1) <= 0.25 ? 'confirmed' : 'refuted', measured };
  };
}

/** Claims about every agent of a role. */
export const roleClaims: Claim[] = [
  { source: 'seeds/001', text: 'APM: < 1% CPU overhead', roles: ['tracing'], check: cpuBelow(0.01) },
  { source: 'seeds/001', text: 'Metrics: < 0.5% CPU overhead', roles: ['metrics'], check: cpuBelow(0.005) },
  { source: 'seeds/001', text: 'Total: < 5% overhead', roles: ['tracing', 'metrics'], check: cpuBelow(0.05) },
  {
    source: 'seeds/001',
    text: 'Traces ~1–2 KB per request',
    roles: ['tracing'],
    check: ({ bytesPerRequest: bytes }) => {
      if (bytes === undefined) return undefined;
      const measured = `${(bytes / 1024).toFixed(2)} KB/request on the wire`;
      return { verdict: bytes >= 1024 * 0.9 && bytes <= 2048 * 1.1 ? 'confirmed' : 'refuted', measured };
    },
  },
];

/** seeds/002 sets up Sentry and Prometheus together; both adapters list this claim. */
export const minimalOverheadClaim: Claim = { source: 'seeds/002', text: 'Performance: minimal overhead (<5%)', check: cpuBelow(0.05) };
