import { describe, expect, it } from 'vitest';
import {
  bootstrapCI, fitLine, minimumDetectableEffect, normalQuantile, outlierIndices, pairedPermutationPValue, pairsToDetect, tQuantile,
  seededRandom, significance, verdictAgainstBudget,
} from '../../src/analysis/stats.js';
import { estimate, sampleRateModels } from '../../src/analysis/estimates.js';
import { measured, resultOf } from '../samples.js';

function gaussian(random: () => number): number {
  // Box–Muller.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('bootstrap CI', () => {
  it('covers the true value in about 95% of seeded trials', () => {
    const random = seededRandom(42);
    const truth = Math.log(1.2);
    const trials = 400;
    let covered = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      // 15 blocks with the noise of this machine (per-block log-ratio SD ≈ 0.13).
      const sample = Array.from({ length: 15 }, () => truth + 0.13 * gaussian(random));
      const ci = bootstrapCI(sample, { iterations: 1500, seed: trial + 1 });
      if (ci.low <= truth && truth <= ci.high) covered += 1;
    }
    const coverage = covered / trials;
    expect(coverage).toBeGreaterThan(0.9);
    expect(coverage).toBeLessThan(0.99);
  });

  it('is reproducible for a seed and narrows with more data', () => {
    const values = [0.1, 0.12, 0.08, 0.11, 0.3, 0.09, 0.1];
    expect(bootstrapCI(values, { seed: 7 })).toEqual(bootstrapCI(values, { seed: 7 }));
    const random = seededRandom(3);
    const small = Array.from({ length: 5 }, () => 0.1 * gaussian(random));
    const large = Array.from({ length: 50 }, () => 0.1 * gaussian(random));
    const width = (ci: { low: number; high: number }) => ci.high - ci.low;
    expect(width(bootstrapCI(large))).toBeLessThan(width(bootstrapCI(small)));
  });
});

describe('paired permutation test', () => {
  it('gives the exact two-sided p-value for small samples', () => {
    // All 5 differences positive: only the all-plus and all-minus sign patterns are as extreme: 2/32.
    expect(pairedPermutationPValue([1, 2, 3, 4, 5])).toBeCloseTo(2 / 32, 12);
    // Symmetric differences: every arrangement is at least as extreme as a zero sum.
    expect(pairedPermutationPValue([1, -1, 2, -2])).toBe(1);
  });

  it('uses a seeded Monte Carlo estimate for large samples', () => {
    const differences = Array.from({ length: 30 }, (_, i) => (i % 2 ? 1 : -1) * 0.1 + 0.5);
    const p = pairedPermutationPValue(differences);
    expect(p).toBeLessThan(0.001);
    expect(p).toBeGreaterThan(0);
    expect(pairedPermutationPValue(differences)).toBe(p);
  });
});

describe('verdicts', () => {
  it('passes only when the whole CI is within the budget, fails only when the whole CI is over it', () => {
    expect(verdictAgainstBudget({ low: 0.05, high: 0.15 }, 0.15)).toBe('pass');
    expect(verdictAgainstBudget({ low: 0.05, high: 0.1501 }, 0.15)).toBe('inconclusive');
    expect(verdictAgainstBudget({ low: 0.15, high: 0.3 }, 0.15)).toBe('inconclusive');
    expect(verdictAgainstBudget({ low: 0.1501, high: 0.3 }, 0.15)).toBe('fail');
    expect(verdictAgainstBudget({ low: Number.NaN, high: Number.NaN }, 0.15)).toBe('inconclusive');
  });

  it('reports significance when there is no budget', () => {
    expect(significance({ low: 0.01, high: 0.2 })).toBe('significant overhead');
    expect(significance({ low: -0.2, high: -0.01 })).toBe('significant improvement');
    expect(significance({ low: -0.05, high: 0.05 })).toBe('no significant difference');
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
  it('normal quantiles are right', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  it('t quantiles match the table, and the detectable effect uses t, not z', () => {
    // Student-t table values (one-sided 80% and 90%).
    expect(tQuantile(0.8, 2)).toBeCloseTo(1.061, 2);
    expect(tQuantile(0.8, 4)).toBeCloseTo(0.941, 2);
    expect(tQuantile(0.8, 10)).toBeCloseTo(0.879, 2);
    expect(tQuantile(0.9, 5)).toBeCloseTo(1.476, 2);
    expect(tQuantile(0.975, 4)).toBe(2.776);
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
    expect(found.pValue).toBeCloseTo(2 / 32, 10);
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
    const { parseBudgetValue, configMatches, judgeBudgets } = await import('../../src/analysis/budgets.js');
    expect(parseBudgetValue('cpuMsPerRequest', '+15%')).toEqual({ kind: 'relative', limit: 0.15 });
    expect(parseBudgetValue('latencyP99Us', '+2ms')).toEqual({ kind: 'absolute', limit: 2000 });
    expect(parseBudgetValue('rssMeanBytes', '+64MB')).toEqual({ kind: 'absolute', limit: 64 * 1024 * 1024 });
    expect(parseBudgetValue('rssMeanBytes', '+2ms')).toMatch(/rssMeanBytes takes/);
    expect(configMatches('datadog@*', 'datadog@0.1')).toBe(true);
    expect(configMatches('datadog@*', 'sentry@0.1')).toBe(false);
    const estimate = { config: 'dd', metric: 'cpuMsPerRequest', overheadCI: { low: 0.2, high: 0.3 }, deltaCI: { low: 0.05, high: 0.08 } } as never;
    const verdicts = judgeBudgets([
      { config: 'd*', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.5, text: '' },
      { config: 'dd', metric: 'cpuMsPerRequest', kind: 'absolute', limit: 0.04, text: '' },
      { config: 'dd', metric: 'cpuMsPerRequest', kind: 'relative', limit: 0.25, text: '' },
    ], [estimate], ['dd']);
    expect(verdicts.map((v) => v.verdict)).toEqual(['pass', 'fail', 'inconclusive']);
  });
});

describe('gate decisions', () => {
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

describe('small-sample intervals', () => {
  it('t and Welch intervals match hand computation', async () => {
    const { tInterval, welchInterval, tQuantile975 } = await import('../../src/analysis/stats.js');
    expect(tQuantile975(2)).toBe(4.303);
    expect(tQuantile975(1000)).toBeCloseTo(1.962, 3);
    // mean 2, s = 1, n = 3: 2 ± 4.303/√3.
    const ci = tInterval([1, 2, 3]);
    expect(ci.low).toBeCloseTo(2 - 4.303 / Math.sqrt(3), 10);
    expect(ci.high).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 10);
    // Equal variances and sizes: df = 4, difference 1 ± 2.776 · √(2/3).
    const w = welchInterval([1, 2, 3], [2, 3, 4]);
    expect(w.low).toBeCloseTo(1 - 2.776 * Math.sqrt(2 / 3), 10);
  });

  it('keeps an A/A pair of 3-block sessions from looking like a regression', async () => {
    const { bootstrapDifferenceCI, welchInterval, hull } = await import('../../src/analysis/stats.js');
    // Per-block log-ratios seen on this machine in two A/A sessions.
    const base = [-0.207, -0.097, -0.142];
    const head = [0.058, 0.058, 0];
    const bootstrapOnly = bootstrapDifferenceCI(base, head, { seed: 11 });
    const both = hull(bootstrapOnly, welchInterval(base, head));
    expect(Math.exp(bootstrapOnly.low) - 1).toBeGreaterThan(0.1); // the overconfident verdict: "regression"
    expect(Math.exp(both.low) - 1).toBeLessThan(0.1); // the hull: inconclusive at a 10% limit
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
    ], [], ['dd'], runs);
    expect(verdicts.map((v) => v.verdict)).toEqual(['pass', 'fail', 'fail']);
    expect(verdicts[0]!.volume!.value).toBeCloseTo(1.2, 10);
  });
});
