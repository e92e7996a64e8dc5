import type { Estimate } from '../analysis/estimates.js';
import type { ConfigMeasure } from '../cost/project.js';

/** The seed guides' unmeasured claims (../shared/reference/claims.md), as checks against a result. */
export interface Claim {
  source: string;
  text: string;
  /** Which configs it is about, by adapter kind. */
  kinds: string[];
  check: (e: { cpu?: Estimate; measure?: ConfigMeasure }) => { verdict: 'confirmed' | 'refuted' | 'undecided'; measured: string } | undefined;
}

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(Math.abs(x) >= 1 ? 0 : 1)}%`;

/** CPU overhead below a limit: confirmed when the whole CI is under it, refuted when the whole CI is over it. */
function cpuBelow(limit: number): Claim['check'] {
  return ({ cpu }) => {
    if (!cpu) return undefined;
    const measured = `CPU/req ${pct(cpu.overhead)} [${pct(cpu.overheadCI.low)}, ${pct(cpu.overheadCI.high)}]`;
    if (cpu.overheadCI.high < limit) return { verdict: 'confirmed', measured };
    if (cpu.overheadCI.low > limit) return { verdict: 'refuted', measured };
    return { verdict: 'undecided', measured };
  };
}

const tracers = ['datadog', 'sentry', 'opentelemetry'];

export const claims: Claim[] = [
  { source: 'seeds/001', text: 'APM: < 1% CPU overhead', kinds: tracers, check: cpuBelow(0.01) },
  { source: 'seeds/001', text: 'Metrics: < 0.5% CPU overhead', kinds: ['prometheus'], check: cpuBelow(0.005) },
  { source: 'seeds/001', text: 'Total: < 5% overhead', kinds: [...tracers, 'prometheus'], check: cpuBelow(0.05) },
  { source: 'seeds/002', text: 'Performance: minimal overhead (<5%)', kinds: ['sentry', 'prometheus'], check: cpuBelow(0.05) },
  { source: 'seeds/003', text: 'Adds 2–5% CPU overhead even with conservative sampling', kinds: ['datadog'], check: cpuBelow(0.05) },
  {
    source: 'seeds/001',
    text: 'Traces ~1–2 KB per request',
    kinds: tracers,
    check: ({ measure }) => {
      const bytes = measure?.bytesPerRequest;
      if (bytes === undefined) return undefined;
      const measured = `${(bytes / 1024).toFixed(2)} KB/request on the wire`;
      return { verdict: bytes >= 1024 * 0.9 && bytes <= 2048 * 1.1 ? 'confirmed' : 'refuted', measured };
    },
  },
];

export const priceNotes = [
  '"$5 per 1M spans" (seeds/003) is not a Datadog price: Datadog charges $0.10/GB ingested and $1.70 per 1M indexed spans.',
  'Sentry Team "50K events" means 50k errors plus 5M spans; "$0.00025/transaction" comes from the old transaction-based plans (seeds/001, 004).',
];
