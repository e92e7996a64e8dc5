/**
 * The instrument itself, on real processes: one co-scheduled session with an A/A pair and a fixed-work burn of known
 * cost, and a periodic lump. Every bound comes from the burn's own cost measured alone in this test, or from the lump's
 * size against the baseline's CPU in the same session, so none names a machine.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { median } from '../../src/analysis/stats.js';
import { fixtures, processesMentioning, quietTargetCpu, keptRuns, readOnlyResult, runCli, standaloneBurn, tempDir, writeScenario } from '../helpers.js';

/** A lump of this many ms of fixed work every 1.5 s (20 ms/s; the 100 µs burn at 250 req/s is 25 ms/s). */
const LUMP_MS = 30;

describe('apm-bench run on the bundled fixture', () => {
  it('in one session, a do-nothing preload is not significant, a 100 µs fixed-work burn reads its standalone cost, and a lump every 1.5 s is resolved in whole periods', async () => {
    const dir = tempDir();
    for (const name of ['record-nice.cjs', 'burn-cpu.cjs']) copyFileSync(join(fixtures, name), join(dir, name));
    const burn = standaloneBurn(100);
    const file = writeScenario(dir, 'burn.yaml', `workload:
  routes:
    - { method: GET, path: /json, weight: 6 }
    - { method: GET, path: /ping, weight: 2 }
    - { method: POST, path: /orders, weight: 2, body: { sku: SKU-00042, quantity: 2 } }
    - { method: GET, path: /error, weight: 1, expectStatus: 500 }
  rate: 250
  primeRequests: 500
  warmup: 0.5s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 4
instrumentations:
  - name: none
  - name: noop
    preload: ./record-nice.cjs
    env: { NICE_FILE: "${join(dir, 'nice.txt')}" }
  - name: burn
    preload: ./burn-cpu.cjs
    env: { BURN_LOOPS: "${burn.loops}" }
  - name: lumpy
    preload: ./burn-cpu.cjs
    env: { BURN_LUMP_MS: "${LUMP_MS}", BURN_LUMP_EVERY_MS: "1500" }
    period: 1.5s
`);
    const out = join(dir, 'out');
    await quietTargetCpu();
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out], { pin: true });
    expect(stderr).not.toMatch(/\n\s+at /); // no stack traces
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('CPU ms/req');
    expect(stdout).toMatch(/p99 µs/);

    const result = readOnlyResult(out);
    expect(result.schemaVersion).toBe(2);
    expect(result.status).toBe('complete');
    expect(result.simulation).toBeUndefined();
    expect(result.design).toMatchObject({ kind: 'co-scheduled', arrival: 'constant', ratesRps: [250] });
    // Four pairs per candidate, each a fresh baseline beside a fresh candidate; each candidate takes each slot twice.
    const runs = keptRuns(result.runs);
    expect(runs).toHaveLength(24);
    for (const config of ['noop', 'burn', 'lumpy']) {
      const pairs = [...new Set(runs.filter((run) => run.config === config).map((run) => run.pair))];
      expect(pairs).toHaveLength(4);
      for (const pair of pairs) expect(runs.filter((run) => run.pair === pair).map((run) => run.side).sort()).toEqual(['baseline', 'candidate']);
      expect(runs.filter((run) => run.config === config && run.slot === 0)).toHaveLength(2);
    }
    for (const run of runs) {
      if (run.status !== 'measured') throw new Error(`run ${run.index} was ${run.status}`);
      expect(run.exclusions).toEqual([]);
      expect(run.achievedRps).toBeGreaterThan(250 * 0.98);
      expect(run.latencySource).toBe('solo');
      expect(run.latencyUs.p50).toBeGreaterThan(0);
      expect(run.latencyUs.p50).toBeLessThanOrEqual(run.latencyUs.p99);
      // The generator's schedule jitter is recorded for every phase.
      expect(run.load.sendLagUs.p50).toBeGreaterThan(0);
      expect(run.latencyLoad!.sendLagUs.p99).toBeGreaterThanOrEqual(run.latencyLoad!.sendLagUs.p50);
      // µs CPU from the probe agrees with /proc ticks within the ticks' error (±1 tick at each end, and the gap between reads,
      // into which a timer's lump can fall: /proc, read around the probe's mark and collect, then holds it and the probe not).
      const tickMs = run.cpu.procMs / Math.max(1, run.cpu.procTicks);
      expect(Math.abs(run.cpu.procMs - (run.cpu.userMs + run.cpu.systemMs))).toBeLessThan(2 * tickMs + 5 + (run.config === 'lumpy' ? 2 * LUMP_MS : 0));
      expect(run.eventLoopUtilization).toBeGreaterThan(0);
      expect(run.rssPeakBytes).toBeGreaterThan(10 * 1024 * 1024);
    }
    const cpu = (config: string) => result.analysis!.estimates.find((e) => e.config === config && e.metric === 'cpuMsPerRequest')!;
    // Equivalence, not a test of significance that fails 5% of sessions by design (and more as the pairs get finer: 4 pairs
    // here have read SD 0.002 and a significant −0.3%): the do-nothing preload reads within a quarter of the burn's cost.
    expect(Math.abs(cpu('noop').delta)).toBeLessThan(0.25 * burn.usPerBurn / 1000);
    expect(cpu('burn').significance).toBe('significant overhead');
    // The burn's own cost, alone, against the paired reading in a server. A pair's difference under-reads a fixed cost
    // by what the cost does to its partner on the shared core (the baseline beside a heavier partner is preempted
    // mid-request more often and pays for it), and by how much moves with the machine: 0.72–1.0× on one VM as its
    // baseline cost moved from 0.45 to 0.96 ms/req, 0.61× on another, where baselines beside the burn used 0.03 ms/req
    // more than those beside the do-nothing preload. That accuracy is a finding for bench/ (bench/README.md), not a
    // band to refit here: this test holds what no machine changes. A lost burn reads 0 in every pair; a doubled one 2×.
    const aloneMs = burn.usPerBurn / 1000;
    for (const pair of cpu('burn').perPair) expect(pair.value - pair.baselineValue).toBeGreaterThan(0.3 * aloneMs);
    expect(cpu('burn').delta).toBeLessThan(1.3 * aloneMs);
    // And the A/A pair resolves far finer than the burn is large.
    expect(cpu('noop').deltaCI.high - cpu('noop').deltaCI.low).toBeLessThan(aloneMs);
    // A lump every 1.5 s: its 2 s windows (and its baselines') stretch to 3 s, two whole periods, so every window holds
    // two lumps whatever its phase. Held against the lump itself: one lump more or less in a window would move a pair's
    // log ratio by log(1 + lump / baseline CPU in the window), and whole periods keep the spread under half of that
    // (10 rounds here read SD 0.020 whole, 0.070 in 2 s windows, against a steady burn's 0.018: bench/periodic.mjs).
    const lumpy = cpu('lumpy');
    expect(lumpy.significance).toBe('significant overhead');
    for (const run of runs.filter((r) => lumpy.perPair.some((p) => p.pair === r.pair))) expect((run as { measuredMs: number }).measuredMs).toBeGreaterThan(2900);
    const baselineWindowMs = median(lumpy.perPair.map((p) => p.baselineValue)) * 250 * 3;
    const oneLump = Math.log(1 + LUMP_MS / baselineWindowMs);
    const logs = lumpy.perPair.map((p) => p.logRatio);
    const mean = logs.reduce((s, x) => s + x, 0) / logs.length;
    expect(Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (logs.length - 1))).toBeLessThan(oneLump / 2);
    // Whole periods need windows of exactly that length: the probe ends each by its own timer, not when "collect" arrives
    // (ended by collect, windows ran 7–47 ms long here, and a lump due just after the end then landed inside).
    const windowMs = (run: { config: string; pair: number }) => (lumpy.perPair.some((p) => p.pair === run.pair) ? 3000 : 2000);
    expect(median(runs.map((run) => (run as { measuredMs: number }).measuredMs - windowMs(run)))).toBeLessThan(5);
    expect(stdout).toMatch(/burn\s+▲ CPU\/req \+[\d.]+% \[\+[\d.]+%, \+[\d.]+%\] \(\+0\.\d+ ms\)/);
    // The generator runs above the targets where it may (root here, or CAP_SYS_NICE), and the targets at its old priority.
    const priority = result.environment.generatorPriority!;
    const niceLines = readFileSync(join(dir, 'nice.txt'), 'utf8').trim().split('\n');
    expect(niceLines.length).toBeGreaterThanOrEqual(4);
    for (const line of niceLines) expect(Number(line.split(' ')[1])).toBe(priority.targetNice);
    if (process.getuid?.() === 0) {
      expect(priority).toMatchObject({ applied: true, generatorNice: priority.targetNice - 5 });
      expect(stdout).toMatch(/priority: load generator and intakes at nice -?\d+, targets at -?\d+/);
    }
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('records other processes\' share of the target CPU, and says so when a neighbour takes it', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'neighbour.yaml', `workload:
  routes: [{ path: /json }]
  rate: 50
  primeRequests: 100
  warmup: 0.3s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 1
instrumentations:
  - name: none
  - name: twin
    env: { TWIN: "1" }
`);
    // A busy loop on the target CPU (CPU 0 when pinned), as a database or a build would be.
    const hog = spawn('taskset', ['-c', '0', process.execPath, '-e', `/* ${dir} */ for (;;) {}`], { stdio: 'ignore' });
    try {
      const out = join(dir, 'out');
      const { code, stderr } = await runCli(['run', file, '--out', out], { pin: true });
      expect([0, 4], stderr).toContain(code);
      const runs = readOnlyResult(out).runs.filter((run) => run.status === 'measured');
      expect(runs.length).toBeGreaterThan(0);
      // Three runnable processes on one CPU, two of them mostly idle at 50 req/s: the hog gets far more than a third.
      for (const run of runs) {
        expect(run.noise.neighbourCpuPercent, run.config).toBeGreaterThan(30);
        expect(run.warnings.join(' '), run.config).toContain('other processes used');
      }
    } finally {
      hog.kill('SIGKILL');
    }
  });
});
