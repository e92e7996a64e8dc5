import { describe, expect, it } from 'vitest';
import { interactionText, stackInteractions } from '../../src/analysis/interaction.js';
import type { Estimate } from '../../src/samples/analysis.js';
import type { ConfigRecord } from '../../src/samples/result.js';

/** An estimate whose per-pair extra CPU is exactly `deltas` (baseline 1 ms beside each). */
const estimate = (config: string, deltas: number[]): Estimate => ({
  config, baseline: 'none', metric: 'cpuMsPerRequest', pairs: deltas.length, overhead: 0, overheadCI: { low: 0, high: 0 }, delta: 0, deltaCI: { low: 0, high: 0 },
  pValue: 1, significance: 'no significant difference',
  perPair: deltas.map((d, i) => ({ pair: i, round: i, value: 1 + d, baselineValue: 1, logRatio: Math.log(1 + d), outlier: false })),
});
const config = (name: string, members?: string[]): ConfigRecord =>
  ({ name, kind: members ? 'stack' : 'custom', preloads: [], options: members ? { members: members.map((m) => ({ name: m })) } : {}, envKeys: [] }) as ConfigRecord;

describe('stacked agents against the sum of their parts', () => {
  const configs = [config('none'), config('a'), config('b'), config('a+b', ['a', 'b'])];

  it('finds a stack that costs more than its parts, with the hand-computed interval', () => {
    // a: mean 1.0, b: mean 2.0, a+b: mean 4.0 → interaction +1.0; variances 0.01 each over 3 pairs.
    const found = stackInteractions(configs, [estimate('a', [0.9, 1.0, 1.1]), estimate('b', [1.9, 2.0, 2.1]), estimate('a+b', [3.9, 4.0, 4.1])]);
    expect(found).toHaveLength(1);
    const i = found[0]!;
    expect(i.stackDeltaMs).toBeCloseTo(4, 12);
    expect(i.sumOfPartsMs).toBeCloseTo(3, 12);
    expect(i.ratio).toBeCloseTo(4 / 3, 12);
    // SE = √(3 × 0.01/3) = 0.1; Welch df = 0.01² / (3 × (0.01/3)²/2) = 6; t(0.975, 6) = 2.4469.
    expect(i.ci.low).toBeCloseTo(1 - 2.4469 * 0.1, 3);
    expect(i.ci.high).toBeCloseTo(1 + 2.4469 * 0.1, 3);
    expect(i.finding).toBe('more than the sum');
    expect(interactionText(i)).toBe('a+b costs 1.33× the sum of its parts: +4.00 ms CPU/req against a + b = +3.00 ms, +1.00 ms beyond it [+0.755 ms, +1.24 ms]');
  });

  it('calls a stack within noise of its parts "about the sum", and skips one whose parts were not measured alone', () => {
    const about = stackInteractions(configs, [estimate('a', [0.5, 1.5, 1.0]), estimate('b', [1.5, 2.5, 2.0]), estimate('a+b', [2.5, 3.5, 3.1])])[0]!;
    expect(about.finding).toBe('about the sum');
    expect(interactionText(about)).toMatch(/^a\+b costs about the sum of its parts \(1\.01×: .*within noise\)$/);
    expect(stackInteractions(configs, [estimate('a', [1, 1.1]), estimate('a+b', [3, 3.1])])).toEqual([]);
  });
});
