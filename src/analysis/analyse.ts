import type { ResultDocument } from '../samples/result.js';
import { judgeBudgets, type Budget, type BudgetVerdict } from './budgets.js';
import { estimate, estimateAll, exclusions, rateModels, sampleRateModels, type Estimate, type Exclusions, type RateModel, type SampleRateModel } from './estimates.js';
import { primaryRate } from './summary.js';

export interface Analysis {
  baseline: string;
  confidence: number;
  /** The offered rate of `estimates` (the first of the workload's rates). */
  rateRps: number;
  estimates: Estimate[];
  /** With several offered rates: the CPU overhead of every config at each rate. */
  rateEstimates: Estimate[];
  exclusions: Exclusions[];
  sampleRateModels: SampleRateModel[];
  /** With several offered rates: CPU ms/s = fixed + marginal × rate, per config and per overhead. */
  rateModels: RateModel[];
  budgets: Array<Omit<BudgetVerdict, 'estimate'> & { value?: number; overheadCI?: { low: number; high: number }; deltaCI?: { low: number; high: number } }>;
}

/** Everything derived from the runs; pure, so reports can recompute it from any result file. */
export function analyse(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, budgets: readonly Budget[]): Analysis {
  const estimates = estimateAll(result);
  const rates = result.design.ratesRps;
  const baseline = result.scenario.baseline;
  return {
    baseline,
    confidence: 0.95,
    rateRps: primaryRate(result),
    estimates,
    rateEstimates: rates.length < 2 ? [] : result.configs.filter((c) => c.name !== baseline).flatMap((c) =>
      rates.flatMap((rate) => estimate(result.runs, c.name, baseline, 'cpuMsPerRequest', rate) ?? [])),
    exclusions: exclusions(result.runs),
    sampleRateModels: sampleRateModels(result),
    rateModels: rateModels(result),
    budgets: judgeBudgets(budgets, estimates, result.configs.map((c) => c.name).filter((n) => n !== result.scenario.baseline), result.runs)
      .map(({ estimate, volume, ...rest }) => ({
        ...rest,
        ...(volume ? { value: volume.value, deltaCI: volume.ci } : {}),
        ...(estimate ? { value: rest.budget.kind === 'relative' ? estimate.overhead : estimate.delta, overheadCI: estimate.overheadCI, deltaCI: estimate.deltaCI } : {}),
      })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What still keeps an adaptive run going: budgets whose CI straddles the limit
 * and, for configs without a budget, a CPU overhead CI wider than ±precision.
 */
export function undecided(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, budgets: readonly Budget[], precision: number): string[] {
  const analysis = analyse(result, budgets);
  const reasons: string[] = [];
  const budgeted = new Set(analysis.budgets.map((b) => b.config));
  for (const verdict of analysis.budgets) {
    if (verdict.verdict !== 'inconclusive') continue;
    const ci = verdict.budget.kind === 'relative' ? verdict.overheadCI : verdict.deltaCI;
    reasons.push(ci
      ? `${verdict.config} ${verdict.budget.text}: CI ${verdict.budget.kind === 'relative' ? `${pct(ci.low)}…${pct(ci.high)}` : `${ci.low.toPrecision(3)}…${ci.high.toPrecision(3)}`} straddles the budget`
      : `${verdict.config} ${verdict.budget.text}: no valid pairs yet`);
  }
  for (const config of result.configs) {
    if (config.name === result.scenario.baseline || budgeted.has(config.name)) continue;
    const cpu = analysis.estimates.find((e) => e.config === config.name && e.metric === 'cpuMsPerRequest');
    if (!cpu) continue; // no valid runs at all: more rounds will not help
    const ratio = 1 + cpu.overhead;
    const halfWidth = ((1 + cpu.overheadCI.high) - (1 + cpu.overheadCI.low)) / 2 / ratio;
    if (halfWidth > precision) reasons.push(`${config.name} CPU: CI ±${pct(halfWidth)}, need ±${pct(precision)}`);
  }
  return reasons;
}
