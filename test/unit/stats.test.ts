import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg, fitLine, holm, holmAdjusted, lookLevels, minimumDetectableEffect, normalCdf, normalQuantile, obrienFlemingSpent,
  outlierIndices, pairsToDetect, regularizedBeta, tCdf, tInterval, tQuantile, tTest, welchDetectableEffect, welchInterval,
} from '../../src/analysis/stats.js';
import { estimate, sampleRateModels } from '../../src/analysis/estimates.js';
import { measured, resultOf } from '../samples.js';

describe('distributions', () => {
  it('Student t matches the table', () => {
    // Two-sided 95% values from the t table, and one-sided 80% and 90%.
    for (const [df, t] of [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [9, 2.262], [29, 2.045], [1000, 1.962]] as const) {
      expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
    }
    expect(tQuantile(0.8, 2)).toBeCloseTo(1.0607, 4);
    expect(tQuantile(0.8, 4)).toBeCloseTo(0.9410, 4);
    expect(tQuantile(0.9, 5)).toBeCloseTo(1.4759, 4);
    expect(tQuantile(0.9995, 3)).toBeCloseTo(12.924, 2);
    // The distribution function inverts the quantile, and is symmetric.
    expect(tCdf(2.776, 4)).toBeCloseTo(0.975, 4);
    expect(tCdf(-1.5, 7) + tCdf(1.5, 7)).toBeCloseTo(1, 12);
    expect(tCdf(0, 3)).toBe(0.5);
    // df = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4.
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 12);
    // I_x(1, 1) = x, I_x(2, 1) = x².
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12);
  });

  it('normal distribution and quantiles', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 7);
    expect(normalCdf(-3.090232)).toBeCloseTo(0.001, 8);
    expect(normalCdf(5.0)).toBeCloseTo(1 - 2.8665e-7, 10);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});

describe('t tests and intervals', () => {
  it('match hand computation', () => {
    // mean 2, s = 1, n = 3: 2 ± 4.303/√3; against 0, t = 2√3 with 2 df.
    const ci = tInterval([1, 2, 3]);
    expect(ci.low).toBeCloseTo(2 - 4.303 / Math.sqrt(3), 3);
    expect(ci.high).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 3);
    const test = tTest([1, 2, 3])!;
    expect(test.t).toBeCloseTo(2 * Math.sqrt(3), 12);
    expect(test.df).toBe(2);
    expect(test.pAbove).toBeCloseTo(1 - tCdf(2 * Math.sqrt(3), 2), 12);
    expect(test.pTwoSided).toBeCloseTo(2 * test.pAbove, 12);
    // Against a null above the mean, "below" is the small side.
    expect(tTest([1, 2, 3], 5)!.pBelow).toBeLessThan(0.05);
    expect(tTest([1])).toBeUndefined();
    // No spread: the sign decides.
    expect(tTest([0.2, 0.2, 0.2], 0.1)!.pAbove).toBe(0);
    // Welch with equal variances and sizes: df = 4, difference 1 ± 2.776 · √(2/3).
    const w = welchInterval([1, 2, 3], [2, 3, 4]);
    expect(w.low).toBeCloseTo(1 - 2.776 * Math.sqrt(2 / 3), 3);
  });

  it('an A/A pair of 3-pair sessions does not look like a regression', () => {
    // Per-pair log-ratios of two identical sessions on a noisy machine.
    const base = [-0.207, -0.097, -0.142];
    const head = [0.058, 0.058, 0];
    expect(Math.exp(welchInterval(base, head).low) - 1).toBeLessThan(0.1); // inconclusive at a 10% limit, not "regression"
    // And what two such sessions could detect is stated, not hidden: more than the 10% limit.
    expect(welchDetectableEffect(base, head)).toBeGreaterThan(0.1);
  });
});

describe('many comparisons and many looks', () => {
  it('Holm rejects step-down; its adjusted p-values match hand computation', () => {
    // Sorted 0.01, 0.02, 0.03, 0.5 against 0.05/4, 0.05/3, 0.05/2, 0.05/1: the first fails to clear 0.0125? no: 0.01 ≤ 0.0125, 0.02 > 0.0167 → stop.
    expect(holm([0.03, 0.01, 0.5, 0.02], 0.05)).toEqual([false, true, false, false]);
    expect(holmAdjusted([0.03, 0.01, 0.5, 0.02])).toEqual([0.06, 0.04, 0.5, 0.06].map((p) => expect.closeTo(p, 12)));
    expect(holm([0.001, 0.002], 0.05)).toEqual([true, true]);
  });

  it('Benjamini–Hochberg keeps the largest k with p(k) ≤ k/m · q', () => {
    // m = 5, q = 0.05: sorted 0.001, 0.015, 0.03, 0.04, 0.2 against 0.01, 0.02, 0.03, 0.04, 0.05; the largest k is 4.
    expect(benjaminiHochberg([0.04, 0.001, 0.03, 0.2, 0.015], 0.05)).toEqual([true, true, true, false, true]);
    // Step-up: 0.03 alone would fail its 0.01 threshold, but p(3) ≤ 0.03 carries it.
    expect(benjaminiHochberg([0.025, 0.028, 0.03], 0.05)).toEqual([true, true, true]);
    expect(benjaminiHochberg([0.5, 0.6], 0.05)).toEqual([false, false]);
  });

  it("O'Brien–Fleming spending: almost nothing early, the full level at the end", () => {
    expect(obrienFlemingSpent(1, 0.025)).toBeCloseTo(0.025, 10);
    // At half the information: 2 − 2Φ(2.2414 / √0.5) = 2 − 2Φ(3.1698) ≈ 0.00153.
    expect(obrienFlemingSpent(0.5, 0.025)).toBeCloseTo(0.001526, 5);
    expect(obrienFlemingSpent(5 / 30, 0.025)).toBeLessThan(1e-6);
    const levels = lookLevels([5, 10, 20, 30], 30, 0.025);
    expect(levels.reduce((a, b) => a + b, 0)).toBeCloseTo(0.025, 10);
    expect(levels.every((level, i) => i === 0 || level > levels[i - 1]!)).toBe(true);
    // One look: the whole level.
    expect(lookLevels([4], 4, 0.025)).toEqual([expect.closeTo(0.025, 10)]);
  });
});

describe('least squares', () => {
  it('recovers an exact line with zero standard error', () => {
    const fit = fitLine([0, 0.1, 0.5, 1], [0.2, 0.21, 0.25, 0.3]);
    expect(fit.intercept).toBeCloseTo(0.2, 12);
    expect(fit.slope).toBeCloseTo(0.1, 12);
    expect(fit.slopeSE).toBeCloseTo(0, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
  });

  it('matches a hand-computed fit with noise', () => {
    // x = 1..4, y = 2, 4, 5, 8: slope 1.9, intercept −0.0; residuals .1,.2,−.7,.4 → SSE 0.7, σ² 0.35, Sxx 5.
    const fit = fitLine([1, 2, 3, 4], [2, 4, 5, 8]);
    expect(fit.slope).toBeCloseTo(1.9, 12);
    expect(fit.intercept).toBeCloseTo(0, 12);
    expect(fit.slopeSE).toBeCloseTo(Math.sqrt(0.35 / 5), 12);
    expect(fit.interceptSE).toBeCloseTo(Math.sqrt(0.35 * (1 / 4 + 6.25 / 5)), 12);
  });
});

describe('noise floor', () => {
  it('t quantiles match the table, and the detectable effect uses t, not z', () => {
    // Student-t table values (one-sided 80% and 90%).
    expect(tQuantile(0.8, 2)).toBeCloseTo(1.061, 2);
    expect(tQuantile(0.8, 4)).toBeCloseTo(0.941, 2);
    expect(tQuantile(0.8, 10)).toBeCloseTo(0.879, 2);
    expect(tQuantile(0.9, 5)).toBeCloseTo(1.476, 2);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    // 5 pairs with an A/A SD of 0.02: (2.776 + 0.941) · 0.02 / √5 ≈ 0.0332 in log space, +3.4%.
    expect(Math.log(1 + minimumDetectableEffect(0.02, 5))).toBeCloseTo((2.776 + 0.941) * 0.02 / Math.sqrt(5), 3);
    // With few pairs t is much wider than z: 3 pairs need (4.303 + 1.061) / (1.96 + 0.842) ≈ 1.9× the effect z promises.
    expect(Math.log(1 + minimumDetectableEffect(0.02, 3)) / (((1.96 + 0.842) * 0.02) / Math.sqrt(3))).toBeGreaterThan(1.85);
    expect(pairsToDetect(0.02, 0.05)).toBe(4);
    expect(minimumDetectableEffect(0.02, 1)).toBe(Number.POSITIVE_INFINITY);
  });

  it('flags outliers without dropping them', () => {
    expect(outlierIndices([0.1, 0.11, 0.09, 0.1, 0.12, 0.9])).toEqual([5]);
    expect(outlierIndices([0.1, 0.11, 0.09])).toEqual([]);
  });
});

describe('estimates over runs', () => {
  const run = (pair: number, config: string, cpu: number) => measured(pair, config, cpu);

  it('pairs by pair id, reports overhead and absolute delta', () => {
    const runs = [0, 1, 2, 3, 4].flatMap((block) => [run(block, 'none', 0.2 + block * 0.01), run(block, 'dd', (0.2 + block * 0.01) * 2)]);
    const found = estimate(runs, 'dd', 'none', 'cpuMsPerRequest')!;
    expect(found.pairs).toBe(5);
    expect(found.overhead).toBeCloseTo(1, 10);
    expect(found.overheadCI.low).toBeCloseTo(1, 10);
    expect(found.delta).toBeCloseTo(0.22, 10);
    expect(found.significance).toBe('significant overhead');
    // Every pair exactly ×2: no spread, so the t test is as certain as it gets.
    expect(found.pValue).toBe(0);
  });

  it('fits CPU overhead against sample rate', () => {
    const configs = [
      { name: 'none', kind: 'none', preloads: [], options: {}, envKeys: [] },
      ...[0.1, 0.5, 1].map((rate) => ({ name: `dd@${rate}`, kind: 'datadog', preloads: [], options: { sampleRate: rate }, envKeys: [] })),
    ];
    // Sequential design: the runs of one block share a pair id.
    const runs = [0, 1].flatMap((block) => [
      run(block, 'none', 0.3),
      ...[0.1, 0.5, 1].map((rate) => run(block, `dd@${rate}`, 0.3 + 0.4 + 0.2 * rate)),
    ]);
    const [model] = sampleRateModels(resultOf(runs, configs.map((c) => ({ ...c, sampleRate: c.options.sampleRate as number | undefined }))));
    expect(model!.kind).toBe('datadog');
    expect(model!.fit.intercept).toBeCloseTo(0.4, 10);
    expect(model!.fit.slope).toBeCloseTo(0.2, 10);
    expect(model!.fit.n).toBe(6);
  });
});

describe('rate model', () => {
  it('splits CPU per second into a fixed part and a part per request, for a config and its overhead', async () => {
    const { rateModels } = await import('../../src/analysis/estimates.js');
    // Baseline: 2 ms/s + 0.25 ms/req; the agent adds 20 ms/s + 0.1 ms/req. Three pairs at each rate, with a little noise.
    const noise = [0.4, -0.3, -0.1];
    const runs = [100, 300].flatMap((rate, r) => noise.flatMap((e, i) => {
      const pair = r * 3 + i;
      const base = 2 + 0.25 * rate;
      return [
        measured(pair, 'none', base / rate, { offeredRps: rate, cpuMsPerSecond: base }),
        measured(pair, 'agent', 0, { offeredRps: rate, cpuMsPerSecond: base + 20 + 0.1 * rate + e }),
      ];
    }));
    const configs = [{ name: 'none', kind: 'none', preloads: [], options: {}, envKeys: [] }, { name: 'agent', kind: 'custom', preloads: [], options: {}, envKeys: [] }];
    const models = rateModels(resultOf(runs, configs, [100, 300]));
    const none = models.find((m) => m.config === 'none')!;
    expect(none.fit.intercept).toBeCloseTo(2, 10);
    expect(none.fit.slope).toBeCloseTo(0.25, 10);
    expect(none.overhead).toBeUndefined();
    const agent = models.find((m) => m.config === 'agent')!.overhead!;
    // The noise averages to 0 at each rate, so the fit is exact; its standard errors come from the noise.
    expect(agent.intercept).toBeCloseTo(20, 10);
    expect(agent.slope).toBeCloseTo(0.1, 10);
    expect(agent.n).toBe(6);
    expect(agent.slopeSE).toBeGreaterThan(0);
    // One rate: no model.
    expect(rateModels(resultOf(runs.filter((run) => run.offeredRps === 100), configs, [100]))).toEqual([]);
  });
});

describe('budgets', () => {
  it('parses relative and absolute limits in the metric\'s unit', async () => {
    const { parseBudgetValue, configMatches } = await import('../../src/analysis/budgets.js');
    expect(parseBudgetValue('cpuMsPerRequest', '+15%')).toEqual({ kind: 'relative', limit: 0.15 });
    expect(parseBudgetValue('latencyP99Us', '+2ms')).toEqual({ kind: 'absolute', limit: 2000 });
    expect(parseBudgetValue('rssMeanBytes', '+64MB')).toEqual({ kind: 'absolute', limit: 64 * 1024 * 1024 });
    expect(parseBudgetValue('rssMeanBytes', '+2ms')).toMatch(/rssMeanBytes takes/);
    expect(configMatches('datadog@*', 'datadog@0.1')).toBe(true);
    expect(configMatches('datadog@*', 'sentry@0.1')).toBe(false);
  });

  it('matches budget globs by their stars, without the exponential time of a backtracking regex', async () => {
    const { configMatches } = await import('../../src/analysis/budgets.js');
    const cases: Array<[string, string, boolean]> = [
      ['*', '', true], ['*', 'datadog@1', true], ['', '', true], ['', 'a', false], ['datadog@1', 'datadog@1', true], ['datadog@1', 'datadog@10', false],
      ['*@1', 'sentry@1', true], ['*@1', 'sentry@1.5', false], ['d*g@*', 'datadog@0.1', true], ['d*g@*', 'dg@', true], ['a*b*c', 'abxbc', true],
      ['a*b*c', 'acb', false], ['**', 'x', true], ['*.*', 'datadog@0.1', true], ['datadog@0.1', 'datadog@011', false], ['a*a*b', 'aaab', true],
    ];
    for (const [pattern, name, expected] of cases) expect(configMatches(pattern, name), `${pattern} ~ ${name}`).toBe(expected);
    // A key of 25 stars against a name that does not match: a backtracking regex took over 20 s; this counts steps, not time.
    expect(configMatches(`${'a*'.repeat(25)}b`, 'a'.repeat(60))).toBe(false);
  });

  it('judges pass, fail and inconclusive with one-sided t tests, Holm-adjusted over the budgets', async () => {
    const { judgeBudgets } = await import('../../src/analysis/budgets.js');
    // Five pairs, dd at ×1.25 with a little spread: overhead ≈ +25%, CPU delta ≈ +0.05 ms.
    const ratios = [1.24, 1.26, 1.25, 1.23, 1.27];
    const runs = ratios.flatMap((r, pair) => [measured(pair, 'none', 0.2), measured(pair, 'dd', 0.2 * r)]);
    const looks = { rounds: [5], maxRounds: 5 };
    const verdicts = judgeBudgets([
      { config: 'd*', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.5, text: 'cpu ≤ +50%' },
      { config: 'dd', metric: 'cpuMsPerRequest', kind: 'absolute', limit: 0.04, text: 'cpu ≤ +0.04ms' },
      { config: 'dd', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.25, text: 'cpu ≤ +25%' },
    ], ['dd'], runs, { baseline: 'none', looks });
    expect(verdicts.map((v) => v.verdict)).toEqual(['pass', 'fail', 'inconclusive']);
    expect(verdicts[0]!.value).toBeCloseTo(Math.exp(ratios.map(Math.log).reduce((a, b) => a + b, 0) / 5) - 1, 10);
    expect(verdicts[0]!.n).toBe(5);
    expect(verdicts[1]!.ci!.low).toBeGreaterThan(0.04);
    // Holm: with 3 checks the smallest p-value must clear 0.025/3, and the adjusted p-values say so.
    expect(verdicts[1]!.pOver).toBeLessThanOrEqual(0.025);
    expect(verdicts[2]!.note).toMatch(/cannot tell over from within/);
    // Too few pairs: inconclusive, and why.
    const one = judgeBudgets([{ config: 'dd', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.5, text: '' }], ['dd'], runs.slice(0, 2), { baseline: 'none', looks: { rounds: [1], maxRounds: 1 } });
    expect(one[0]).toMatchObject({ verdict: 'inconclusive', note: 'fewer than 2 valid pairs' });
  });

  it('under rounds: auto an early look needs overwhelming evidence, and a decided verdict stays decided', async () => {
    const { judgeBudgets } = await import('../../src/analysis/budgets.js');
    const budget = { config: 'dd', metric: 'cpuMsPerRequest' as const, kind: 'relative' as const, limit: 0.15, text: '' };
    // ×8 every pair (a Sentry-sized overhead): decided at the first look, 5 rounds.
    const huge = Array.from({ length: 8 }, (_, pair) => [measured(pair, 'none', 0.2), measured(pair, 'dd', 1.6 * (1 + 0.01 * (pair % 3)))]).flat();
    const decided = judgeBudgets([budget], ['dd'], huge, { baseline: 'none', looks: { rounds: [5, 6, 7, 8], maxRounds: 30 } });
    expect(decided[0]).toMatchObject({ verdict: 'fail', decidedAfterRounds: 5 });
    // ×1.2 with spread 0.05: a single look at 8 would fail it, but at 8 of 30 rounds the spending is still strict.
    const noisy = [1.25, 1.15, 1.22, 1.18, 1.3, 1.12, 1.21, 1.19];
    const runs = noisy.flatMap((r, pair) => [measured(pair, 'none', 0.2), measured(pair, 'dd', 0.2 * r)]);
    const once = judgeBudgets([{ ...budget, limit: 0.05 }], ['dd'], runs, { baseline: 'none', looks: { rounds: [8], maxRounds: 8 } });
    const sequential = judgeBudgets([{ ...budget, limit: 0.05 }], ['dd'], runs, { baseline: 'none', looks: { rounds: [5, 6, 7, 8], maxRounds: 30 } });
    expect(once[0]!.verdict).toBe('fail');
    expect(sequential[0]!.verdict).toBe('inconclusive');
  });
});

describe('gate decisions', () => {
  it('the noise floor is advice: it plans rounds for an undecided budget and never touches a decided one', async () => {
    const { noiseFloorNote } = await import('../../src/gate/gate.js');
    const calibration = { design: 'co-scheduled' as const, pairs: 10, metrics: { cpuMsPerRequest: { logRatioSD: 0.02, minimumDetectableEffect: {} } } };
    const budget = { config: 'dd', metric: 'cpuMsPerRequest' as const, kind: 'relative' as const, limit: 0.01, text: 'cpu ≤ +1%' };
    expect(noiseFloorNote({ budget, config: 'dd', verdict: 'fail', n: 3 }, calibration, 3)).toBeUndefined();
    expect(noiseFloorNote({ budget, config: 'dd', verdict: 'inconclusive', n: 3 }, calibration, 3))
      .toMatch(/the budget is below what 3 rounds detect on this machine \(≥ [\d.]+%\); ≈ \d+ rounds would tell it from no overhead/);
    // A budget the rounds can resolve gets no note.
    expect(noiseFloorNote({ budget: { ...budget, limit: 0.5 }, config: 'dd', verdict: 'inconclusive', n: 3 }, calibration, 3)).toBeUndefined();
  });


  it('maps verdicts and the inconclusive policy to exit codes', async () => {
    const { decide } = await import('../../src/gate/gate.js');
    const c = (verdict: 'pass' | 'fail' | 'inconclusive') => ({ config: 'x', check: 'cpu', verdict, measured: '' });
    expect(decide([c('pass'), c('pass')], 'error', false).exitCode).toBe(0);
    expect(decide([c('pass'), c('fail'), c('inconclusive')], 'error', false).exitCode).toBe(1);
    expect(decide([c('pass'), c('inconclusive')], 'error', false).exitCode).toBe(3);
    expect(decide([c('inconclusive')], 'pass', false).exitCode).toBe(0);
    expect(decide([c('inconclusive')], 'fail', false).exitCode).toBe(1);
    expect(decide([c('pass')], 'error', true).exitCode).toBe(4);
  });
});

describe('volume budgets', () => {
  it('judge spans and bytes per request from the intake counts', async () => {
    const { judgeBudgets, parseVolumeBudget } = await import('../../src/analysis/budgets.js');
    expect(parseVolumeBudget('bytes', '2KB')).toEqual({ kind: 'volume', limit: 2048 });
    expect(parseVolumeBudget('spans', '3')).toEqual({ kind: 'volume', limit: 3 });
    expect(parseVolumeBudget('spans', '3ms')).toMatch(/expected a number per request/);
    const runs = [1.2, 1.21, 1.19, 1.2].map((spans, pair) => measured(pair, 'dd', 0.5, {
      intake: { payloads: 1, payloadBytes: 1, items: {}, perRequest: { spans }, bytesPerRequest: 1300 },
    }));
    const verdicts = judgeBudgets([
      { config: 'dd', metric: 'spans', kind: 'volume', limit: 3, text: '' },
      { config: 'dd', metric: 'spans', kind: 'volume', limit: 1, text: '' },
      { config: 'dd', metric: 'bytes', kind: 'volume', limit: 1024, text: '' },
    ], ['dd'], runs, { baseline: 'none', looks: { rounds: [4], maxRounds: 4 } });
    expect(verdicts.map((v) => v.verdict)).toEqual(['pass', 'fail', 'fail']);
    expect(verdicts[0]!.value).toBeCloseTo(1.2, 10);
  });
});
