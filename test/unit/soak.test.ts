import { describe, expect, it } from 'vitest';
import { judgeGrowth, parseGrowthBudget, slopeWithCI, soakGrowth, theilSen } from '../../src/analysis/soak.js';
import { seededRandom } from '../../src/random.js';
import type { Budget } from '../../src/samples/analysis.js';
import type { MeasuredRun, SoakDesign, SoakSample } from '../../src/samples/result.js';

/** AR(1) noise (each sample keeps `phi` of the last one's deviation), as memory read every few seconds is. */
function series(n: number, slope: number, phi: number, sd: number, random: () => number): number[] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let noise = 0;
  return Array.from({ length: n }, (_, i) => {
    noise = phi * noise + Math.sqrt(1 - phi ** 2) * sd * normal();
    return slope * i + noise;
  });
}

const MIB = 1024 ** 2;
const soak: SoakDesign = { durationMs: 60_000, sampleMs: 2_000, warmupShare: 0.2 };

/** A measured soak run: heap grows `mbPerHour` on top of `noise`, sampled every 2 s for a minute. */
function run(config: string, side: 'baseline' | 'candidate', pair: number, mbPerHour: number, noise: (i: number) => number): MeasuredRun {
  const samples: SoakSample[] = Array.from({ length: 31 }, (_, i) => {
    const tMs = i * 2000;
    const heap = 40 * MIB + (mbPerHour * MIB * tMs) / 3_600_000 + noise(i) * MIB;
    return { tMs, heapAfterGcBytes: heap, rssBytes: heap + 30 * MIB, externalBytes: 0, arrayBuffersBytes: 0, handles: 5, cpuUs: 500 * tMs };
  });
  return { config, side, pair, round: 0, status: 'measured', offeredRps: 200, soak: samples } as unknown as MeasuredRun;
}

describe('soak growth', () => {
  it('Theil–Sen finds the slope of a line, and one wild sample does not move it', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(theilSen(xs, xs.map((x) => 2 * x + 1))).toBeCloseTo(2, 12);
    const wild = xs.map((x) => 2 * x + 1);
    wild[6] = 500;
    expect(theilSen(xs, wild)).toBeCloseTo(2, 12);
  });

  it('its bootstrap CI holds its error rates on autocorrelated noise (seeded simulation, 200 series each)', () => {
    const random = seededRandom(20261125);
    const xs = Array.from({ length: 30 }, (_, i) => i);
    let falseGrowth = 0;
    let covered = 0;
    for (let k = 0; k < 200; k += 1) {
      const flat = slopeWithCI(xs, series(30, 0, 0.5, 1, random), k);
      if (flat.ci.low > 0 || flat.ci.high < 0) falseGrowth += 1;
      const growing = slopeWithCI(xs, series(30, 0.1, 0.5, 1, random), 1000 + k);
      if (growing.ci.low <= 0.1 && growing.ci.high >= 0.1) covered += 1;
    }
    // Nominal 5% and 95%; this seed reads 3.5% false growth and 96% coverage. A bootstrap that ignores the
    // autocorrelation (block length 1) reads 17.5% and 80% on the same seed, and fails here.
    expect(falseGrowth / 200).toBeLessThan(0.08);
    expect(covered / 200).toBeGreaterThan(0.9);
  });

  it('finds a known leak against its baseline, within its CI, and no growth in a do-nothing config', () => {
    const random = seededRandom(7);
    const wobble = () => (random() - 0.5) * 0.4;
    const runs = [
      run('none', 'baseline', 0, 0, wobble), run('leak', 'candidate', 0, 120, wobble),
      run('none', 'baseline', 1, 0, wobble), run('noop', 'candidate', 1, 0, wobble),
    ];
    const analysis = soakGrowth(runs, 'none', soak);
    const leak = analysis.growth.find((g) => g.config === 'leak' && g.metric === 'heapGrowth')!;
    expect(leak.finding).toBe('grows');
    expect(leak.paired!.ci.low).toBeLessThan(120);
    expect(leak.paired!.ci.high).toBeGreaterThan(120);
    expect(leak.samples).toBe(25);
    const noop = analysis.growth.find((g) => g.config === 'noop' && g.metric === 'heapGrowth')!;
    expect(noop.finding).toBe('no growth detected');
    expect(noop.detectablePerHour).toBeGreaterThan(0);
    // CPU per request is read from the CPU samples: 500 µs per ms of window at 200 req/s = 2.5 ms/req, flat.
    const cpu = analysis.growth.find((g) => g.config === 'noop' && g.metric === 'cpuGrowth')!;
    expect(cpu.own.perHour).toBeCloseTo(0, 9);

    const budgets: Budget[] = [
      { config: 'leak', metric: 'heapGrowth', kind: 'growth', limit: 5, text: 'heapGrowth ≤ +5MB/h' },
      { config: 'noop', metric: 'heapGrowth', kind: 'growth', limit: 500, text: 'heapGrowth ≤ +500MB/h' },
      { config: 'noop', metric: 'rssGrowth', kind: 'growth', limit: 0.001, text: 'rssGrowth ≤ +0.001MB/h' },
    ];
    expect(judgeGrowth(budgets, analysis).map((v) => [v.config, v.budget.metric, v.verdict])).toEqual([
      ['leak', 'heapGrowth', 'fail'], ['noop', 'heapGrowth', 'pass'], ['noop', 'rssGrowth', 'inconclusive'],
    ]);
  });

  it('reads growth budgets per hour and refuses other forms with the form it expects', () => {
    expect(parseGrowthBudget('heapGrowth', '+5MB/h')).toEqual({ kind: 'growth', limit: 5 });
    expect(parseGrowthBudget('rssGrowth', '512 KB/h')).toEqual({ kind: 'growth', limit: 0.5 });
    expect(parseGrowthBudget('heapGrowth', '+5MB')).toMatch(/expected a growth per hour like "\+5MB\/h"/);
    expect(parseGrowthBudget('cpuGrowth', '+1ms/h')).toMatch(/no budget/);
  });
});
