import type { Estimate } from '../samples/analysis.js';

/** What an agent does, so a claim about "APM" or "metrics" finds the configs it is about. */
export type AgentRole = 'tracing' | 'metrics';

export type ClaimVerdict = 'confirmed' | 'refuted' | 'undecided';

/** What a claim is checked against: the CPU estimate and the measured volume of one config. */
export interface ClaimEvidence {
  cpu?: Estimate;
  bytesPerRequest?: number;
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
