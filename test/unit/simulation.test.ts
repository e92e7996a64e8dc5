/**
 * The error rates of every verdict apm-bench prints, proven by seeded Monte
 * Carlo over the real analysis functions (not asserted): thousands of
 * simulated sessions with known truth. The figures are in docs/statistics.md;
 * run with `npx vitest run test/unit/simulation.test.ts` to see them printed.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/analysis/analyse.js';
import { judgeBudgets, type Budget } from '../../src/analysis/budgets.js';
import { estimate } from '../../src/analysis/estimates.js';
import { seededRandom, tInterval } from '../../src/analysis/stats.js';
import { planRound } from '../../src/plan/plan.js';
import type { ConfigRecord, MeasuredRun, RunSample } from '../../src/samples/result.js';
import { measured, resultOf } from '../samples.js';

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Student-t noise with `df` degrees of freedom, scaled to unit variance: heavier tails than the normal. */
function heavy(random: () => number, df = 4): number {
  let chi2 = 0;
  for (let i = 0; i < df; i += 1) chi2 += normal(random) ** 2;
  return (normal(random) / Math.sqrt(chi2 / df)) * Math.sqrt((df - 2) / df);
}

const config = (name: string): ConfigRecord => ({ name, kind: name === 'none' ? 'none' : 'custom', preloads: [], options: {}, envKeys: [] });

/**
 * One co-scheduled session: per pair, the machine's common noise hits both
 * sides; each side adds its own, so the per-pair log ratio has SD `sd`.
 * `effects` is the true log overhead of each candidate on every metric.
 */
function session(random: () => number, candidates: string[], rounds: number, sd: number, effects: Record<string, number> = {}, noise = normal): RunSample[] {
  const runs: RunSample[] = [];
  let pair = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const name of candidates) {
      const common = 0.1 * normal(random);
      const side = (effect: number) => {
        const draw = () => Math.exp(effect + common + (sd / Math.SQRT2) * noise(random));
        return {
          cpuMsPerRequest: 0.25 * draw(), rssMeanBytes: 7e7 * draw(), eventLoopUtilization: 0.05 * draw(),
          latencyUs: { count: 100, mean: 400, p50: 400 * draw(), p90: 600, p99: 2000 * draw(), p999: 3000, max: 4000, histogram: '' },
        } satisfies Partial<MeasuredRun>;
      };
      runs.push(measured(pair, 'none', 0, { round, ...side(0) }), measured(pair, name, 0, { round, ...side(effects[name] ?? 0) }));
      pair += 1;
    }
  }
  return runs;
}

const candidates = ['a', 'b', 'c', 'd', 'e'];
const configs = [config('none'), ...candidates.map(config)];
const rate = (hits: number, n: number) => `${((100 * hits) / n).toFixed(1)}%`;

describe('simulated sessions: error rates of the verdicts', () => {
  it('A/A: ▲ markers, Benjamini–Hochberg per family — any false ▲ on CPU in about 5% of sessions, not 24%', () => {
    const random = seededRandom(101);
    const sessions = 4000;
    let anyCpu = 0;
    let anyAtAll = 0;
    let unadjustedCpu = 0;
    let unadjustedAll = 0;
    for (let s = 0; s < sessions; s += 1) {
      const runs = session(random, candidates, 4, 0.03);
      const analysis = analyse(resultOf(runs, configs), []);
      const flagged = analysis.estimates.filter((e) => e.significance !== 'no significant difference');
      if (flagged.some((e) => e.metric === 'cpuMsPerRequest')) anyCpu += 1;
      if (flagged.length) anyAtAll += 1;
      if (analysis.estimates.some((e) => e.metric === 'cpuMsPerRequest' && e.pValue <= 0.05)) unadjustedCpu += 1;
      if (analysis.estimates.some((e) => e.pValue <= 0.05)) unadjustedAll += 1;
    }
    console.log(`A/A, 5 configs × 5 metrics, 4 pairs, ${sessions} sessions: any false ▲ on CPU ${rate(anyCpu, sessions)} (unadjusted ${rate(unadjustedCpu, sessions)}), on any metric ${rate(anyAtAll, sessions)} (unadjusted ${rate(unadjustedAll, sessions)})`);
    // Under the global null Benjamini–Hochberg's chance of any rejection is exactly q (Simes): 5% per family,
    // here within the Monte Carlo error of 4,000 sessions (±0.7%).
    expect(anyCpu / sessions).toBeLessThanOrEqual(0.06);
    expect(anyAtAll / sessions).toBeLessThanOrEqual(0.115);
    // The control is doing the work: without it, false ▲ are common.
    expect(unadjustedAll / sessions).toBeGreaterThan(0.3);
  });

  it('A/A gate: five budgets on the boundary (+0%) — a false fail in at most 5% of gates, family-wise', () => {
    const random = seededRandom(202);
    const sessions = 1000;
    const budgets: Budget[] = candidates.map((name) => ({ config: name, metric: 'cpuMsPerRequest', kind: 'relative', limit: 0, text: 'cpu ≤ +0%' }));
    let anyFail = 0;
    let anyPass = 0;
    for (let s = 0; s < sessions; s += 1) {
      const runs = session(random, candidates, 4, 0.03);
      const verdicts = judgeBudgets(budgets, candidates, runs, { baseline: 'none', looks: { rounds: [4], maxRounds: 4 } });
      if (verdicts.some((v) => v.verdict === 'fail')) anyFail += 1;
      if (verdicts.some((v) => v.verdict === 'pass')) anyPass += 1;
    }
    console.log(`A/A gate, 5 budgets at +0%, 4 pairs, ${sessions} gates: any false fail ${rate(anyFail, sessions)}, any false pass ${rate(anyPass, sessions)}`);
    expect(anyFail / sessions).toBeLessThanOrEqual(0.05);
    expect(anyPass / sessions).toBeLessThanOrEqual(0.05);
  });

  it('95% CIs cover the true overhead at least 93% of the time from 5 pairs, with normal and heavy-tailed noise', () => {
    const random = seededRandom(303);
    const truth = Math.log(1.3);
    for (const [label, noise] of [['normal', normal], ['heavy-tailed (t, 4 df)', (r: () => number) => heavy(r)]] as const) {
      for (const pairs of [5, 10]) {
        let covered = 0;
        const trials = 3000;
        for (let trial = 0; trial < trials; trial += 1) {
          const values = Array.from({ length: pairs }, () => truth + 0.05 * noise(random));
          const ci = tInterval(values);
          if (ci.low <= truth && truth <= ci.high) covered += 1;
        }
        console.log(`coverage, ${label} noise, ${pairs} pairs: ${rate(covered, trials)}`);
        expect(covered / trials).toBeGreaterThanOrEqual(0.93);
      }
    }
  });

  it('rounds: auto with the true overhead exactly on the budget: false fails and false passes each at most 5%', () => {
    const random = seededRandom(404);
    const sessions = 1000;
    const budget: Budget = { config: 'a', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.15, text: 'cpu ≤ +15%' };
    // Per-run noise of 15% CV, as the audit used: per-pair log-ratio SD ≈ 0.21.
    const sd = 0.21;
    const looks = { rounds: Array.from({ length: 26 }, (_, i) => 5 + i), maxRounds: 30 };
    let fails = 0;
    let passes = 0;
    let naiveFails = 0;
    let naivePasses = 0;
    let stoppedEarly = 0;
    for (let s = 0; s < sessions; s += 1) {
      const runs = session(random, ['a'], 30, sd, { a: Math.log(1.15) });
      const [verdict] = judgeBudgets([budget], ['a'], runs, { baseline: 'none', looks });
      if (verdict!.verdict === 'fail') fails += 1;
      if (verdict!.verdict === 'pass') passes += 1;
      if ((verdict!.decidedAfterRounds ?? 30) < 30) stoppedEarly += 1;
      // The old way: a plain 95% CI after every round from 5, stopping at the first decision.
      for (const rounds of looks.rounds) {
        const logs = runs.filter((r): r is MeasuredRun => r.status === 'measured' && r.round < rounds);
        const ratios = logs.filter((r) => r.config === 'a').map((r) => Math.log(r.cpuMsPerRequest / logs.find((b) => b.pair === r.pair && b.config === 'none')!.cpuMsPerRequest));
        const ci = tInterval(ratios);
        if (ci.low > Math.log(1.15)) { naiveFails += 1; break; }
        if (ci.high <= Math.log(1.15)) { naivePasses += 1; break; }
      }
    }
    console.log(`sequential, truth on a +15% budget, looks at 5..30 rounds, ${sessions} sessions: false fail ${rate(fails, sessions)}, false pass ${rate(passes, sessions)}, stopped before 30 ${rate(stoppedEarly, sessions)}; a plain 95% CI at every look: ${rate(naiveFails, sessions)} / ${rate(naivePasses, sessions)}`);
    expect(fails / sessions).toBeLessThanOrEqual(0.05);
    expect(passes / sessions).toBeLessThanOrEqual(0.05);
    expect((naiveFails + naivePasses) / sessions).toBeGreaterThan((fails + passes) / sessions);
  });

  it('order design: under +1% linear drift per run and no true overhead, the estimates carry no bias', () => {
    const names = ['none', ...candidates];
    const rounds = 4; // not a multiple of the 6 configs, as a user's rounds rarely are
    // Sequential design, the planner's own orders.
    const runs: RunSample[] = [];
    let index = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const unit of planRound({ design: 'sequential', configs: names, baseline: 'none', ratesRps: [100], round, seed: 9, firstUnit: runs.length, firstPair: round })) {
        runs.push(measured(unit.pair, unit.runs[0]!.config, 0.25 * (1 + 0.01 * index), { round }));
        index += 1;
      }
    }
    const bias = candidates.map((name) => estimate(runs, name, 'none', 'cpuMsPerRequest')!.overhead);
    // The old cyclic rotation, for comparison: every config always follows the same neighbour.
    const rotated: RunSample[] = [];
    for (let round = 0; round < rounds; round += 1) {
      names.forEach((name, i) => rotated.push(measured(round, name, 0.25 * (1 + 0.01 * (round * names.length + ((i - round + names.length) % names.length))), { round })));
    }
    const rotationBias = candidates.map((name) => estimate(rotated, name, 'none', 'cpuMsPerRequest')!.overhead);
    // Co-scheduled: both sides of a pair live through the same drift.
    const paired: RunSample[] = [];
    let pair = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const unit of planRound({ design: 'co-scheduled', configs: names, baseline: 'none', ratesRps: [100], round, seed: 9, firstUnit: pair, firstPair: pair })) {
        const drift = 1 + 0.01 * pair;
        for (const run of unit.runs) paired.push(measured(unit.pair, run.config, 0.25 * drift, { round }));
        pair += 1;
      }
    }
    const pairedBias = candidates.map((name) => estimate(paired, name, 'none', 'cpuMsPerRequest')!.overhead);
    const fmt = (xs: number[]) => xs.map((x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`).join(', ');
    console.log(`drift +1%/run, no overhead, ${rounds} rounds of 6 configs: balanced orders (sequential) ${fmt(bias)}; cyclic rotation ${fmt(rotationBias)}; co-scheduled ${fmt(pairedBias)}`);
    for (const b of bias) expect(Math.abs(b)).toBeLessThan(0.002);
    for (const b of pairedBias) expect(Math.abs(b)).toBeLessThan(1e-12);
    expect(Math.max(...rotationBias.map(Math.abs))).toBeGreaterThan(0.01);
  });
});
