import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, quickWorkload, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

const MIB = 1024 ** 2;

describe('soak mode', () => {
  it('finds a preload that keeps 2 KB per request growing at its known rate', async () => {
    const dir = tempDir();
    for (const file of ['leak.cjs']) copyFileSync(join(fixtures, file), join(dir, file));
    const file = writeScenario(dir, 'soak.yaml', `name: soak
${quickWorkload({ rate: 200, warmup: '1s', latency: '0.3s', rounds: 1, extra: '  soak: { duration: 20s, sample: 1s }\n' })}instrumentations:
  - name: none
  - name: leak
    preload: ./leak.cjs
    env: { LEAK_BYTES: "2048" }
budgets:
  leak: { heapGrowth: "+5MB/h" }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out, '--gate'], { pin: true });
    const result = readOnlyResult(out);
    expect(result.design.soak).toEqual({ durationMs: 20_000, sampleMs: 1_000, warmupShare: 0.2 });
    // Every run kept its samples: one at the mark, one every second, one at the end.
    for (const run of result.runs) {
      if (run.status !== 'measured') throw new Error(`run ${run.index} was ${run.status}`);
      expect(run.soak!.length).toBeGreaterThanOrEqual(20);
      expect(run.soak!.at(-1)!.tMs).toBeGreaterThan(19_000);
    }
    const growth = result.analysis!.soak!.growth;
    const leak = growth.find((g) => g.config === 'leak' && g.metric === 'heapGrowth')!;
    const leakRun = result.runs.find((r) => r.config === 'leak')!;
    const rps = leakRun.status === 'measured' ? leakRun.achievedRps : 0;
    // 2,048 bytes per request (the string with its header) plus its slot in the array that holds them: 8 bytes, and up
    // to 8 more of spare capacity amortised as the array grows. So the known rate is a narrow range, at the rate achieved.
    const known = { low: ((2048 + 8) * rps * 3600) / MIB, high: ((2048 + 16) * rps * 3600) / MIB };
    expect(leak.finding).toBe('grows');
    expect(leak.paired!.ci.low).toBeGreaterThan(0);
    expect(leak.paired!.ci.low).toBeLessThanOrEqual(known.high);
    expect(leak.paired!.ci.high).toBeGreaterThanOrEqual(known.low);
    // The gate: the leak breaks its budget. (A do-nothing config's "no growth detected" is in the simulated soak test.)
    expect(result.analysis!.budgets.map((b) => [b.config, b.budget.metric, b.verdict])).toEqual([['leak', 'heapGrowth', 'fail']]);
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/leak\s+heap after GC grows \+[\d.]+ MB\/h \[\+[\d.]+, \+[\d.]+\]/);
  }, 300_000);
});
