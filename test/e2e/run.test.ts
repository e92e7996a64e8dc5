import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, processesMentioning, quickWorkload, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

function withPreloads(dir: string, ...names: string[]): void {
  for (const name of names) copyFileSync(join(fixtures, name), join(dir, name));
}

describe('apm-bench run on the bundled fixture', () => {
  it('reports the CPU a preload burns per request', async () => {
    const dir = tempDir();
    withPreloads(dir, 'burn-cpu.cjs');
    const burnMs = 1.0;
    // Three rounds: with two pairs the t interval has 1 degree of freedom (t = 12.7), and a
    // baseline that drifts between blocks makes even a 1 ms burn straddle 0.
    const file = writeScenario(dir, 'burn.yaml', `${quickWorkload({ rate: 200, rounds: 3 })}
instrumentations:
  - name: none
  - name: burn
    preload: ./burn-cpu.cjs
    env: { BURN_US: "${burnMs * 1000}" }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack traces
    expect(code).toBe(0);
    expect(stdout).toContain('CPU ms/req');
    expect(stdout).toMatch(/p99 µs/);

    const result = readOnlyResult(out);
    expect(result.schemaVersion).toBe(1);
    expect(result.status).toBe('complete');
    expect(result.runs).toHaveLength(6);
    // Blocks rotate the order: block 0 starts with none, block 1 with burn, block 2 with none.
    expect(result.runs.map((run) => run.config)).toEqual(['none', 'burn', 'burn', 'none', 'none', 'burn']);
    for (const run of result.runs) {
      expect(run.status).toBe('ok');
      expect(run.saturated).toBe(false);
      expect(run.latencyUs!.p50).toBeGreaterThan(0);
      expect(run.latencyUs!.p50).toBeLessThan(run.latencyUs!.p99 + 1);
      expect(run.eventLoopUtilization).toBeGreaterThan(0);
      expect(run.rssPeakBytes).toBeGreaterThan(10 * 1024 * 1024);
    }
    const perBlock = [0, 1, 2].map((block) => {
      const of = (config: string) => result.runs.find((run) => run.block === block && run.config === config)!.cpuMsPerRequest!;
      return of('burn') - of('none');
    });
    for (const delta of perBlock) {
      // The burn is CPU time inside the request handler; allow for 10 ms tick granularity and noise.
      expect(delta).toBeGreaterThan(burnMs * 0.75);
      expect(delta).toBeLessThan(burnMs * 1.35);
    }
    // Event-loop utilisation rises too: 200 req/s × 1 ms = 20% of a core more.
    const elu = (config: string) => result.runs.filter((run) => run.config === config).map((run) => run.eventLoopUtilization!);
    expect(Math.min(...elu('burn'))).toBeGreaterThan(Math.max(...elu('none')) + 0.1);
    // The paired estimate in the result: significant, and the known burn inside the absolute CI (with tick slack).
    const cpu = result.analysis!.estimates.find((e) => e.config === 'burn' && e.metric === 'cpuMsPerRequest')!;
    expect(cpu.significance).toBe('significant overhead');
    expect(cpu.deltaCI.low).toBeLessThan(burnMs * 1.1);
    expect(cpu.deltaCI.high).toBeGreaterThan(burnMs * 0.9);
    expect(stdout).toMatch(/burn\s+▲ CPU\/req \+[\d.]+% \[\+[\d.]+%, \+[\d.]+%\] \(\+\d\.\d+ ms\)/);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('keeps measured runs and names the crash when a target exits mid-run', async () => {
    const dir = tempDir();
    withPreloads(dir, 'exit-after.cjs');
    const file = writeScenario(dir, 'crash.yaml', `${quickWorkload({ rounds: 2, duration: '2s', warmup: '0s' })}
instrumentations:
  - name: none
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
    const none = result.runs.filter((run) => run.config === 'none');
    expect(none.every((run) => run.status === 'ok')).toBe(true);
    const crashy = result.runs.filter((run) => run.config === 'crashy');
    expect(crashy.map((run) => run.status)).toEqual(['failed', 'skipped']);
    expect(crashy[0]!.failure!.exitCode).toBe(3);
    expect(processesMentioning(dir)).toEqual([]);
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
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code).toBe(4);
    expect(stderr).toMatch(/did not answer GET http:\/\/127\.0\.0\.1:\d+\/healthz within 2s/);
    expect(stderr).toContain('never-ready: starting, but never listening');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('stops cleanly on Ctrl-C, keeps finished runs and leaves no process behind', async () => {
    const dir = tempDir();
    withPreloads(dir, 'noop.cjs');
    const file = writeScenario(dir, 'long.yaml', `${quickWorkload({ rounds: 20, duration: '2s', warmup: '0s' })}
instrumentations:
  - name: none
  - name: noop
    preload: ./noop.cjs
`);
    const out = join(dir, 'out');
    let cliPid = 0;
    const finished = runCli(['run', file, '--out', out], { onSpawn: (pid) => { cliPid = pid; } });
    // Wait until at least one run is in the result file and a target is running.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      if (existsSync(out) && readdirSync(out).some((f) => f.endsWith('.json'))) {
        const runs = readOnlyResult(out).runs.length;
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
    expect(result.runs.filter((run) => run.status === 'ok').length).toBeGreaterThanOrEqual(1);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
