/**
 * A session's life on real processes, without timing claims: a target that crashes mid-run, one that never becomes
 * ready, Ctrl-C, and the sequential design's runner path. Nothing here asserts a measured figure.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult } from '../../src/samples/result.js';
import { bundledFixture, fixtures, processesMentioning, quickWorkload, keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

function withPreloads(dir: string, ...names: string[]): void {
  for (const name of names) copyFileSync(join(fixtures, name), join(dir, name));
}

describe('a session on real processes', () => {
  it('keeps measured runs and names the crash when a target exits mid-run', async () => {
    const dir = tempDir();
    withPreloads(dir, 'exit-after.cjs', 'noop.cjs');
    const file = writeScenario(dir, 'crash.yaml', `${quickWorkload({ rounds: 2, duration: '1s', warmup: '0s', latency: '0.2s', prime: 200 })}
instrumentations:
  - name: none
  - name: steady
    preload: ./noop.cjs
  - name: crashy
    preload: ./exit-after.cjs
    env: { EXIT_AFTER: "150" }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(code).toBe(4);
    expect(stderr).toContain('crashy');
    expect(stderr).toContain('exited with code 3');
    expect(stderr).toContain('simulated crash after 150 requests');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toContain('none (baseline)');
    const result = readOnlyResult(out);
    expect(result.status).toBe('failed');
    // The steady config's pairs are measured whole.
    const steadyPairs = new Set(result.runs.filter((run) => run.config === 'steady').map((run) => run.pair));
    expect(result.runs.filter((run) => steadyPairs.has(run.pair)).every((run) => run.status === 'measured')).toBe(true);
    const crashy = result.runs.filter((run) => run.config === 'crashy');
    expect(crashy.map((run) => run.status)).toEqual(['failed', 'skipped']);
    expect(crashy[0]!.status === 'failed' && crashy[0]!.failure.exitCode).toBe(3);
    // Its partner is skipped, and says why.
    const partner = result.runs.find((run) => run.pair === crashy[0]!.pair && run.config === 'none')!;
    expect(partner.status === 'skipped' && partner.reason).toMatch(/its partner crashy failed/);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('still runs the sequential design, one target at a time', async () => {
    const dir = tempDir();
    withPreloads(dir, 'burn-cpu.cjs');
    const file = writeScenario(dir, 'seq.yaml', `${quickWorkload({ rounds: 1, duration: '1s', latency: '0.2s', prime: 200 })}  design: sequential
instrumentations:
  - name: none
  - name: busy
    preload: ./burn-cpu.cjs
    env: { BURN_LOOPS: "1000" }
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    expect(result.design.kind).toBe('sequential');
    const runs = keptRuns(result.runs);
    expect(runs).toHaveLength(2);
    // A round is a block: both configs share its pair id, and latency comes from the window itself.
    expect(new Set(runs.map((run) => run.pair))).toEqual(new Set([0]));
    expect(runs.every((run) => run.status === 'measured' && run.latencySource === 'window')).toBe(true);
    const cpu = result.analysis!.estimates.find((e) => e.config === 'busy' && e.metric === 'cpuMsPerRequest')!;
    expect(cpu.pairs).toBe(1);
  });

  it('gives up on a target that never becomes ready, and kills it', async () => {
    const dir = tempDir();
    withPreloads(dir, 'never-ready.cjs');
    const file = writeScenario(dir, 'never.yaml', `target:
  module: ./never-ready.cjs
  readyPath: /healthz
  readyTimeout: 2s
${quickWorkload({ rounds: 1 })}
instrumentations:
  - name: none
  - name: other
    env: { OTHER: "1" }
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code).toBe(4);
    expect(stderr).toMatch(/did not answer GET http:\/\/127\.0\.0\.1:\d+\/healthz within 2s/);
    expect(stderr).toContain('never-ready: starting, but never listening');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('calibrate --neighbour runs its synthetic neighbour through exactly the pairs it names, measures what it used, and leaves none behind', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'neighbour.yaml', `${quickWorkload({ rounds: 3, duration: '1s', warmup: '0.3s', prime: 300, latency: '0.2s', jsonOnly: true })}
instrumentations:
  - name: none
`);
    const { code, stdout, stderr } = await runCli(['calibrate', file, '--out', join(dir, 'out'), '--rounds', '3', '--neighbour', '--json']);
    expect(code, stderr).toBe(0);
    const { calibration, resultFile } = JSON.parse(stdout) as {
      resultFile: string; calibration: { neighbour: { hog: { processes: number; units: number; cpuPercent: number }; configs: Array<Record<string, any>> } };
    };
    const { hog, configs } = calibration.neighbour;
    expect(hog.processes).toBe(cpus().length);
    // Once through each unit of the twin measured under it (re-measurements included), and never through another.
    const result = readResult(resultFile);
    expect(hog.units).toBe(new Set(result.runs.filter((run) => run.config === 'aa-baseline (neighbour)').map((run) => run.unit)).size);
    // Each process is busy half its time: whatever else runs beside this test, it gets a good part of that.
    expect(hog.cpuPercent).toBeGreaterThan(10);
    expect(hog.cpuPercent).toBeLessThan(60);
    expect(configs[0]).toMatchObject({ config: 'aa-baseline', quiet: { pairs: 3 }, busy: { pairs: 3 } });
    expect(stderr).toMatch(/Under a neighbour \(\d+ processes, one per CPU.*\n  aa-baseline: quiet [+−]\d+\.\d%.*its CPU ratio moved [+−]\d+\.\d%/);
    expect(processesMentioning('setTimeout(spin, idle)')).toEqual([]);
  }, 120_000);

  it('stops cleanly on Ctrl-C, keeps finished runs, leaves no process behind and puts a named neighbour back on its CPUs', async () => {
    const dir = tempDir();
    withPreloads(dir, 'noop.cjs');
    // A neighbour (target.neighbours) that writes the CPUs it may run on, as the kernel has them, every 100 ms.
    const name = `apmbn-${process.pid % 100_000}`;
    const cpusFile = join(dir, 'neighbour-cpus.txt');
    const neighbour = spawn(process.execPath, ['-e', `process.title = ${JSON.stringify(name)}; const fs = require('node:fs');
setInterval(() => fs.appendFileSync(${JSON.stringify(cpusFile)}, /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'), 100);`],
    { stdio: 'ignore' });
    while (!existsSync(cpusFile)) await new Promise((r) => setTimeout(r, 50));
    const file = writeScenario(dir, 'long.yaml', `target:
  module: ${bundledFixture}
  neighbours: [${name}]
${quickWorkload({ rounds: 20, duration: '1s', warmup: '0s' })}
instrumentations:
  - name: none
  - name: noop
    preload: ./noop.cjs
`);
    const out = join(dir, 'out');
    let cliPid = 0;
    // Pinned, so there is a target CPU to move the neighbour off.
    const finished = runCli(['run', file, '--out', out], { onSpawn: (pid) => { cliPid = pid; }, pin: cpus().length > 1 });
    // Wait until at least one run is in the result file and a target is running.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      if (existsSync(out) && readdirSync(out).some((f) => f.endsWith('.json'))) {
        let runs = 0;
        try {
          runs = readOnlyResult(out).runs.length;
        } catch { /* the name is claimed (an empty file) before the session writes it */ }
        if (runs >= 1 && processesMentioning(dir).length > 0) break;
      }
    }
    expect(processesMentioning(dir).length).toBeGreaterThan(0);
    process.kill(cliPid, 'SIGINT');
    const { code, stderr } = await finished;
    expect(code).toBe(130);
    expect(stderr).toContain('Interrupted');
    const result = readOnlyResult(out);
    expect(result.status).toBe('interrupted');
    expect(result.runs.filter((run) => run.status === 'measured').length).toBeGreaterThanOrEqual(2);
    expect(processesMentioning(dir)).toEqual([]);
    try {
      if (cpus().length > 1) {
        const generatorCpus = result.environment.pinning.loadGeneratorCpus!;
        expect(result.environment.neighbours).toEqual([expect.objectContaining({ name, processes: 1, moved: true })]);
        await new Promise((r) => setTimeout(r, 300));
        const seen = readFileSync(cpusFile, 'utf8').trim().split('\n');
        // It ran on every CPU before the session, on the load generator's during it, and on every CPU again after.
        const all = seen[0]!;
        expect(all).not.toBe(generatorCpus);
        expect(seen).toContain(generatorCpus);
        expect(seen.at(-1)).toBe(all);
      } else {
        expect(result.environment.neighbours).toEqual([expect.objectContaining({ name, moved: false })]);
      }
    } finally {
      neighbour.kill();
    }
  });
});
