/** What a real agent's spread goes with (calibrate --agents): r² of each recorded covariate, with known answers. */
import { describe, expect, it } from 'vitest';
import { explainedSpread, neighbourShifts, neighbourTwin, rSquared } from '../../src/analysis/calibrate.js';
import { mean, standardDeviation, welchInterval } from '../../src/analysis/stats.js';
import type { MeasuredRun } from '../../src/samples/result.js';
import { measured } from '../samples.js';

function pair(pairId: number, baseMs: number, ratio: number, extra: { payloads?: number; harness?: number; lagUs?: number } = {}): MeasuredRun[] {
  const base = measured(pairId, 'none', baseMs);
  const agent = measured(pairId, 'agent', baseMs * ratio, {
    noise: { stealPercent: 0, loadAverage1m: 0, harnessCpuPercent: extra.harness ?? 5 },
    ...(extra.payloads !== undefined ? { intake: { payloads: extra.payloads, payloadBytes: 1, items: {}, perRequest: {}, bytesPerRequest: 0 } } : {}),
  });
  agent.load = { ...agent.load, sendLagUs: { p50: 10, p99: extra.lagUs ?? 100, max: 200 } };
  return [base, agent];
}

describe('explained spread', () => {
  it('r² is 1 for an exact line, 0 for an orthogonal pattern, undefined when a side is constant', () => {
    expect(rSquared([1, 2, 3, 4], [3, 5, 7, 9])).toBeCloseTo(1, 12);
    expect(rSquared([1, 2, 3, 4], [9, 7, 5, 3])).toBeCloseTo(1, 12);
    expect(rSquared([1, -1, 1, -1], [1, 1, -1, -1])).toBeCloseTo(0, 12);
    expect(rSquared([2.17, 2.17, 2.17, 2.17], [1, 2, 3, 4])).toBeUndefined();
    expect(rSquared([1, 2, 3, 4], [5, 5, 5, 5])).toBeUndefined();
  });

  it('a log ratio that falls as the baseline runs slow is explained by the baseline\'s CPU, not by constant payloads', () => {
    // log ratio = 0.6 − 0.5 × log(baseline ms): exactly a line in log baseline CPU.
    const bases = [0.8, 0.9, 1.0, 1.1, 1.35];
    const runs = bases.flatMap((b, i) => pair(i, b, Math.exp(0.6 - 0.5 * Math.log(b)), { payloads: 1.5, harness: [4, 6, 5, 7, 3][i], lagUs: 100 * (i + 1) }));
    const explained = explainedSpread(runs, 'agent', 'none', 100);
    expect(explained.baselineCpu).toBeCloseTo(1, 9);
    expect(explained.payloads).toBeUndefined();
    expect(explained.neighbourCpu).toBeUndefined();
    // The lag rises with i as the baseline does (not exactly linearly in log): high, below 1.
    expect(explained.sendLag).toBeGreaterThan(0.8);
    expect(explained.sendLag).toBeLessThan(1);
    expect(explained.harnessCpu).toBeGreaterThanOrEqual(0);
  });

  it('needs four valid pairs, and leaves excluded runs out', () => {
    const runs = [0.8, 0.9, 1.0, 1.1].flatMap((b, i) => pair(i, b, Math.exp(0.5 + 0.05 * i), { payloads: i }));
    expect(explainedSpread(runs, 'agent', 'none', 100).payloads).toBeCloseTo(1, 9);
    runs[7]!.exclusions.push('saturated');
    expect(explainedSpread(runs, 'agent', 'none', 100)).toEqual({});
  });
});

describe('calibrate --neighbour', () => {
  const ids = { next: 0 };
  /** One pair of `config` beside its own baseline, with a known ratio and others' share of the target CPU. */
  const pairOf = (config: string, ratio: number, othersPercent: number): MeasuredRun[] => {
    const id = ids.next++;
    const noise = { stealPercent: 0, loadAverage1m: 0, harnessCpuPercent: 5, neighbourCpuPercent: othersPercent };
    return [measured(id, 'none', 1, { noise }), measured(id, config, ratio, { noise })];
  };
  const document = (runs: MeasuredRun[]) => ({
    runs, scenario: { baseline: 'none' } as never, design: { kind: 'co-scheduled', ratesRps: [100] } as never,
  });

  it('the shift is the ratio of the two geometric means, less 1, with the Welch interval of the log ratios', () => {
    const quiet = [1.10, 1.12, 1.08, 1.11];
    const busy = [1.20, 1.25, 1.17];
    const runs = [...quiet.flatMap((r) => pairOf('agent', r, 2)), ...busy.flatMap((r) => pairOf(neighbourTwin('agent'), r, 40))];
    const [shift] = neighbourShifts(document(runs), ['agent']);
    const lq = quiet.map(Math.log);
    const lb = busy.map(Math.log);
    const interval = welchInterval(lq, lb);
    expect(shift!.config).toBe('agent');
    expect(shift!.quiet).toMatchObject({ pairs: 4, otherCpuPercent: 2 });
    expect(shift!.busy).toMatchObject({ pairs: 3, otherCpuPercent: 40 });
    expect(shift!.quiet.overhead).toBeCloseTo(Math.exp(mean(lq)) - 1, 12);
    expect(shift!.busy.logRatioSD).toBeCloseTo(standardDeviation(lb), 12);
    expect(shift!.shift).toBeCloseTo(Math.exp(mean(lb) - mean(lq)) - 1, 12);
    expect(shift!.shiftLow).toBeCloseTo(Math.exp(interval.low) - 1, 12);
    expect(shift!.shiftHigh).toBeCloseTo(Math.exp(interval.high) - 1, 12);
    // About +9.6% moved, and the interval, from 7 pairs this tight, excludes no change.
    expect(shift!.shift).toBeGreaterThan(0.09);
    expect(shift!.shiftLow).toBeGreaterThan(0);
  });

  it('a config with fewer than two pairs on either side gets no row, and excluded runs are left out', () => {
    const runs = [...[1.1, 1.2].flatMap((r) => pairOf('agent', r, 1)), ...[1.3, 1.4].flatMap((r) => pairOf(neighbourTwin('agent'), r, 30))];
    expect(neighbourShifts(document(runs), ['agent'])).toHaveLength(1);
    runs.at(-1)!.exclusions.push('the load generator fell behind its schedule: replaced by a re-measurement of the pair');
    expect(neighbourShifts(document(runs), ['agent'])).toEqual([]);
  });
});
