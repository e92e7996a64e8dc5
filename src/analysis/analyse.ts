import type { Analysis, Budget, Estimate, LookSchedule } from '../samples/analysis.js';
import { PRIMARY_METRIC } from '../samples/metrics.js';
import type { ResultDocument } from '../samples/result.js';
import { judgeBudgets, VERDICT_ALPHA } from './budgets.js';
import { estimate, estimateAll, exclusions, rateModels, sampleRateModels } from './estimates.js';
import { judgeGrowth, soakGrowth } from './soak.js';
import { stackInteractions } from './interaction.js';
import { behaviourChanges, brokenRoutes } from './behaviour.js';
import { benjaminiHochberg } from './stats.js';
import { primaryRate } from './summary.js';
import { instrumentationReports } from './integrations.js';

export type { Analysis };

/** False-discovery rate of the ▲/▼ markers, per family. */
export const MARKER_Q = 0.05;

/** Looks at every round from the minimum under rounds: auto; otherwise once, at the rounds run. */
export function lookSchedule(result: Pick<ResultDocument, 'runs' | 'scenario'>): LookSchedule {
  const roundsRun = result.runs.length ? Math.max(...result.runs.map((run) => run.round)) + 1 : 0;
  const workload = result.scenario.workload as { rounds?: number | 'auto'; autoRounds?: { min: number; max: number } };
  if (workload.rounds === 'auto' && workload.autoRounds) {
    const { min, max } = workload.autoRounds;
    const rounds = Array.from({ length: Math.max(0, roundsRun - min + 1) }, (_, i) => min + i);
    return { rounds: rounds.length ? rounds : [roundsRun], maxRounds: Math.max(min, max) };
  }
  return { rounds: [roundsRun], maxRounds: Math.max(roundsRun, 1) };
}

/**
 * ▲/▼ only where Benjamini–Hochberg keeps the discovery: the primary metric
 * across configs is one family, every other metric across configs another.
 */
function markMultiplicity(estimates: Estimate[]): Estimate[] {
  const families = [estimates.filter((e) => e.metric === PRIMARY_METRIC), estimates.filter((e) => e.metric !== PRIMARY_METRIC)];
  const adjusted = new Map<Estimate, Estimate['significance']>();
  for (const family of families) {
    const keep = benjaminiHochberg(family.map((e) => e.pValue), MARKER_Q);
    family.forEach((e, i) => adjusted.set(e, keep[i] ? (e.overhead > 0 ? 'significant overhead' : 'significant improvement') : 'no significant difference'));
  }
  return estimates.map((e) => ({ ...e, significance: adjusted.get(e)! }));
}

/** Everything derived from the runs; pure, so reports can recompute it from any result file. */
export function analyse(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, budgets: readonly Budget[]): Analysis {
  const estimates = markMultiplicity(estimateAll(result));
  const rates = result.design.ratesRps;
  const baseline = result.scenario.baseline;
  const looks = lookSchedule(result);
  const soak = result.design.soak ? soakGrowth(result.runs, baseline, result.design.soak, result.design.seed) : undefined;
  const verdicts = [
    ...judgeBudgets(budgets.filter((b) => b.kind !== 'growth'), result.configs.map((c) => c.name).filter((n) => n !== baseline), result.runs, {
      baseline, rateRps: primaryRate(result), looks,
    }),
    ...judgeGrowth(budgets, soak ?? { method: '', growth: [] }),
  ];
  const secondary = estimates.filter((e) => e.metric !== PRIMARY_METRIC).length;
  const interactions = stackInteractions(result.configs, estimates);
  const behaviour = behaviourChanges(result.runs, result.configs.map((c) => c.name), baseline, primaryRate(result));
  const broken = brokenRoutes(result.runs, primaryRate(result));
  const instrumentation = instrumentationReports(result);
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
    budgets: verdicts,
    looks,
    guarantees: [
      `▲/▼ on CPU per request: Benjamini–Hochberg over the ${estimates.filter((e) => e.metric === PRIMARY_METRIC).length} configs at q = ${MARKER_Q}, ` +
        `so in a session where no config changes anything the chance of any false ▲ is at most ${MARKER_Q * 100}%; the other ${secondary} markers are a second family with the ` +
          `same rule.`,
      ...(verdicts.length ? [
        `Budget verdicts: a false fail and a false pass each have at most a ${VERDICT_ALPHA * 100}% chance across all ${verdicts.length} budget checks together ` +
          `(one-sided t tests, Holm's procedure${looks.rounds.length > 1 ? `, O'Brien–Fleming alpha spending over the ${looks.rounds.length} looks of rounds: auto` : ''}).`,
      ] : []),
      'CIs are 95% Student-t intervals of the mean per-pair log ratio (or difference), each on its own.',
      ...(soak ? [`Growth: ${soak.method}`] : []),
    ],
    ...(soak ? { soak } : {}),
    ...(interactions.length ? { interactions } : {}),
    ...(behaviour.length ? { behaviour } : {}),
    ...(broken.length ? { brokenRoutes: broken } : {}),
    ...(instrumentation.length ? { instrumentation } : {}),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * What still keeps an adaptive run going: budgets not yet decided and, for
 * configs without a budget, a CPU overhead CI wider than ±precision.
 */
export function undecided(result: Pick<ResultDocument, 'runs' | 'configs' | 'scenario' | 'design'>, budgets: readonly Budget[], precision: number): string[] {
  const analysis = analyse(result, budgets);
  const reasons: string[] = [];
  const budgeted = new Set(analysis.budgets.map((b) => b.config));
  for (const verdict of analysis.budgets) {
    if (verdict.verdict !== 'inconclusive') continue;
    const ci = verdict.ci;
    reasons.push(ci
      ? `${verdict.config} ${verdict.budget.text}: CI ` +
        `${verdict.budget.kind === 'relative' ? `${pct(ci.low)}…${pct(ci.high)}` : `${ci.low.toPrecision(3)}…${ci.high.toPrecision(3)}`} not yet decided`
      : `${verdict.config} ${verdict.budget.text}: no valid pairs yet`);
  }
  for (const config of result.configs) {
    if (config.name === result.scenario.baseline || budgeted.has(config.name)) continue;
    const cpu = analysis.estimates.find((e) => e.config === config.name && e.metric === PRIMARY_METRIC);
    if (!cpu) continue; // no valid runs at all: more rounds will not help
    const ratio = 1 + cpu.overhead;
    const halfWidth = ((1 + cpu.overheadCI.high) - (1 + cpu.overheadCI.low)) / 2 / ratio;
    if (halfWidth > precision) reasons.push(`${config.name} CPU: CI ±${pct(halfWidth)}, need ±${pct(precision)}`);
  }
  return reasons;
}
