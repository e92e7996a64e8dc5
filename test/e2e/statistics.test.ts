/**
 * The session's statistics end to end, through the real CLI on simulated sessions (APM_BENCH_SIMULATE): the rate
 * model, rounds: auto, bisect's search, behaviour changes and soak growth, each against a seeded model whose truth is
 * known, so each assertion is exact. The error rates behind them are test/unit/simulation.test.ts; that the engine
 * measures a real cost is test/e2e/run.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tQuantile } from '../../src/analysis/stats.js';
import { readOnlyResult, runCli, simulated, tempDir, writeScenario } from '../helpers.js';

const workload = (extra: string) => `workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 200
  duration: 3s
${extra}`;

describe('statistics end to end (simulated sessions)', () => {
  it('calibrate --agents measures a real agent\'s own spread beside the A/A floor, and the rounds that resolve 5% for it', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'agents.yaml', `${workload('  rounds: 3\n')}instrumentations:
  - name: none
  - name: lumpy
    env: { LUMPY: "1" }
`);
    // A floor of 0.02 and an agent three times wider, as dd-trace is on these machines.
    const env = simulated({ pairSd: 0.02, configs: { lumpy: { extraMsPerRequest: 0.3, pairSd: 0.06 } } });
    const { code, stdout, stderr } = await runCli(['calibrate', file, '--out', join(dir, 'out'), '--rounds', '12', '--agents', 'lumpy', '--json'], { env });
    expect(code, stderr).toBe(0);
    const { calibration } = JSON.parse(stdout) as { calibration: { metrics: { cpuMsPerRequest: { logRatioSD: number } }; agents: Array<Record<string, number>> } };
    const [agent] = calibration.agents;
    expect(agent!.pairs).toBe(12);
    // Each side draws its own config's noise (SD/√2): the agent's pairs spread sqrt((0.06² + 0.02²)/2) = 0.045, the A/A ones 0.02.
    // 95% interval of a sample SD over 12 pairs: true SD × sqrt(χ²(11)/11), from 0.59× to 1.41×.
    const truth = Math.sqrt((0.06 ** 2 + 0.02 ** 2) / 2);
    expect(agent!.logRatioSD).toBeGreaterThan(truth * 0.59);
    expect(agent!.logRatioSD).toBeLessThan(truth * 1.41);
    expect(calibration.metrics.cpuMsPerRequest.logRatioSD).toBeLessThan(0.02 * 1.41);
    // The rounds for 5% follow from its spread: the smallest n whose detectable effect is 5% or less.
    const mde = (n: number) => (tQuantile(0.975, n - 1) + tQuantile(0.8, n - 1)) * agent!.logRatioSD / Math.sqrt(n);
    expect(Math.exp(mde(agent!.roundsFor5Percent!)) - 1).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(Math.exp(mde(agent!.roundsFor5Percent! - 1)) - 1).toBeGreaterThan(0.05);
    expect(stderr).toMatch(/lumpy: CPU \+\d+(\.\d)?%, SD of the per-pair log ratio 0\.\d{3} over 12 pairs \([\d.]+× A\/A\); .* rounds resolve a 5% change/);
    const wrong = await runCli(['calibrate', file, '--agents', 'ghost'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--agents: "ghost" is not a config');
    // A sequential baseline runs alone, so it could not share the neighbour with its candidate.
    const sequential = writeScenario(dir, 'sequential.yaml', `${workload('  rounds: 3\n  design: sequential\n')}instrumentations:\n  - name: none\n`);
    const refused = await runCli(['calibrate', sequential, '--neighbour'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--neighbour: ');
    expect(refused.stderr).toContain('workload.design is "sequential"; expected "co-scheduled"');
  });

  it('a window whose generator fell behind is excluded and its pair measured again, keeping every raw window; the third attempt is kept', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'lag.yaml', `${workload('  rounds: 3\n')}instrumentations:
  - name: none
  - name: agent
    env: { AGENT: "1" }
    period: 2s
`);
    const out = join(dir, 'out');
    // Unit 1 (round 2's pair) lags, and so do both its re-measurements, which take the next unit indices (2 and 3) at
    // once; round 3's pair is then unit 4.
    const env = simulated({ pairSd: 0.02, configs: { agent: { ratio: 1.2 } }, laggedUnits: [1, 2, 3] });
    const { code, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    const measured = result.runs.filter((run) => run.status === 'measured');
    // 3 pairs planned, unit 1 measured three times: 5 units, 10 raw windows kept.
    expect(measured.map((run) => run.unit)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    const replaced = measured.filter((run) => run.exclusions.some((e) => /fell behind its schedule \(send lag p99 40\.0 ms, over 4 inter-arrival intervals of 5\.0 ms\): replaced/.test(e)));
    expect(replaced.map((run) => run.unit)).toEqual([1, 1, 2, 2]);
    // The last attempt is kept, with a warning: a machine busy throughout still yields a pair.
    const kept = measured.filter((run) => run.unit === 3);
    expect(kept.every((run) => run.exclusions.length === 0 && run.warnings.some((w) => /kept: the pair was measured 3 times/.test(w)))).toBe(true);
    expect(new Set(measured.filter((run) => run.exclusions.length === 0).map((run) => run.pair))).toEqual(new Set([0, 1, 2]));
    expect(result.analysis!.estimates.find((e) => e.config === 'agent' && e.metric === 'cpuMsPerRequest')!.pairs).toBe(3);
    // Its periodic work every 2 s stretches each 3 s window of its pairs, both sides, to two whole periods.
    expect(measured.every((run) => run.measuredMs === 4000)).toBe(true);
    expect(stderr).toContain('3s measured (agent 4s: whole periods of their periodic work)');
    expect(stderr).toMatch(/Pair 1 \(none vs agent\): the load generator fell behind its schedule .*; measuring it again\./);
  });

  it('a session re-measures at most a quarter of its planned pairs: on a machine disturbed throughout it still ends on time', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'busy.yaml', `${workload('  rounds: 12\n')}instrumentations:
  - name: none
  - name: agent
    env: { AGENT: "1" }
`);
    const out = join(dir, 'out');
    // Every window lags. 12 planned units give a budget of 3: unit 0 twice (its third attempt kept), round 2's pair once.
    const env = simulated({ pairSd: 0.02, configs: { agent: { ratio: 1.2 } }, laggedUnits: Array.from({ length: 40 }, (_, i) => i) });
    const { code, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code, stderr).toBe(0);
    const measured = readOnlyResult(out).runs.filter((run) => run.status === 'measured');
    expect(measured).toHaveLength(2 * 15);
    expect(new Set(measured.filter((run) => run.exclusions.length).map((run) => run.unit))).toEqual(new Set([0, 1, 3]));
    const spent = measured.filter((run) => run.warnings.some((w) => /kept: the session's re-measurements \(a quarter of its planned pairs\) were spent/.test(w)));
    // Round 2's second attempt and the 10 pairs after it.
    expect(new Set(spent.map((run) => run.unit)).size).toBe(11);
    expect(measured.filter((run) => run.exclusions.length === 0).map((run) => run.pair).filter((p, i, all) => all.indexOf(p) === i)).toHaveLength(12);
  });

  it('the rate model recovers a known split: 20 ms/s fixed plus 0.1 ms per request', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'rates.yaml', `${workload('  rates: [100, 300]\n  rounds: 3\n').replace('  rate: 200\n', '')}instrumentations:
  - name: none
  - name: split
    env: { SPLIT: "1" }
`);
    const out = join(dir, 'out');
    const env = simulated({ pairSd: 0.02, configs: { split: { extraMsPerSecond: 20, extraMsPerRequest: 0.1 } } });
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    const fit = result.analysis!.rateModels.find((m) => m.config === 'split')!.overhead!;
    expect(fit.n).toBe(6);
    const t = tQuantile(0.975, fit.n - 2);
    expect(Math.abs(fit.intercept - 20)).toBeLessThan(t * fit.interceptSE);
    expect(Math.abs(fit.slope - 0.1)).toBeLessThan(t * fit.slopeSE);
    // …and far from a wrong split (all fixed, or all per request).
    expect(fit.intercept).toBeGreaterThan(10);
    expect(fit.slope).toBeGreaterThan(0.05);
    expect(stdout).toMatch(/split: extra CPU \+[\d.]+ ± [\d.]+ ms\/s fixed, \+0\.\d+ ± [\d.]+ ms per request \(6 pairs at 100 and 300 req\/s\)/);
    // The fixed part makes the cost per request higher at the lower rate.
    const at = (rate: number) => result.analysis!.rateEstimates.find((e) => e.config === 'split' && e.rateRps === rate)!.delta;
    expect(at(100)).toBeGreaterThan(at(300));
  });

  it('rounds: auto stops once the verdict is decided, and goes on to its maximum while the truth sits on the budget', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'auto.yaml', `${workload('  rounds: auto\n  autoRounds: { min: 3, max: 12 }\n')}budgets:
  burn: { cpu: "+30%" }
instrumentations:
  - name: none
  - name: burn
    env: { BURN: "1" }
`);
    const out = join(dir, 'far');
    const far = await runCli(['run', file, '--out', out], { env: simulated({ pairSd: 0.05, configs: { burn: { ratio: 3.5 } } }) });
    expect(far.code, far.stderr).toBe(0);
    // Several hundred percent against +30%: decided at the first look that spends enough error.
    const rounds = Number(/All verdicts decided after (\d+) rounds/.exec(far.stderr)?.[1]);
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(rounds).toBeLessThan(12);
    const result = readOnlyResult(out);
    expect(result.runs).toHaveLength(2 * rounds);
    expect(result.analysis!.budgets[0]).toMatchObject({ config: 'burn', verdict: 'fail', decidedAfterRounds: rounds });
    expect(far.stdout).toMatch(/FAIL\s+burn: cpu ≤ \+30%/);
    // On the budget: every look is undecided, so it runs all 12 and says why it kept going.
    const onOut = join(dir, 'on');
    const on = await runCli(['run', file, '--out', onOut], { env: simulated({ pairSd: 0.05, configs: { burn: { ratio: 1.3 } } }) });
    expect(on.stderr).toMatch(/Round 4: still undecided — burn cpu/);
    expect(on.stderr).not.toContain('All verdicts decided');
    expect(readOnlyResult(onOut).runs).toHaveLength(24);
    expect(readOnlyResult(onOut).analysis!.budgets[0]!.verdict).toBe('inconclusive');
  });

  it('bisect finds the planted regression: the first version over the budget, with its CI, in two steps', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'bisect.yaml', `name: planted
${workload('  rounds: 3\n')}instrumentations:
  - name: none
  - name: tracer
    env: { TRACER: "1" }
`);
    const out = join(dir, 'bisect');
    const env = simulated({ configs: { tracer: { extraMsPerRequest: 0.4, fromVersion: '1.2.0' } } });
    const { code, stdout, stderr } = await runCli(['bisect', file, '--agent', 'tracer', '--versions', '1.0.0,1.1.0,1.2.0,1.3.0', '--good', '1.0.0',
      '--bad', '1.3.0', '--budget', 'cpu:+30%', '--out', out, '--json'], { env });
    expect(code, stderr).toBe(0);
    const outcome = JSON.parse(stdout);
    expect(outcome.firstBad).toBe('1.2.0');
    expect(outcome.lastGood).toBe('1.1.0');
    // Binary search: the middle (1.1.0) passes, then 1.2.0 fails; the bad end is not needed.
    expect(outcome.steps.map((s: { version: string; verdict: string }) => [s.version, s.verdict])).toEqual([['1.1.0', 'pass'], ['1.2.0', 'fail']]);
    expect(outcome.steps[1].config).toBe('tracer@1.2.0');
    expect(outcome.steps[1].ci.low).toBeGreaterThan(0.3);
    expect(stderr).toMatch(/First version over the budget: 1\.2\.0 \(FAIL \+\d+(\.\d)?% \[\+\d+(\.\d)?%, \+\d+(\.\d)?%\]\); the last within it: 1\.1\.0\./);
    for (const step of outcome.steps) expect(existsSync(step.resultPath)).toBe(true);
    // Planted in 1.1.0 instead, the search moves left.
    const early = await runCli(['bisect', file, '--agent', 'tracer', '--versions', '1.0.0,1.1.0,1.2.0,1.3.0', '--good', '1.0.0',
      '--bad', '1.3.0', '--budget', 'cpu:+30%', '--out', join(dir, 'early'), '--json'], { env: simulated({ configs: { tracer: { extraMsPerRequest: 0.4, fromVersion: '1.1.0' } } }) });
    expect(JSON.parse(early.stdout)).toMatchObject({ firstBad: '1.1.0', lastGood: '1.0.0' });
  });

  it('a config that sheds load is a behaviour change: its top finding, per route, and an errors budget fails', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'shed.yaml', `name: shed
${workload('  rounds: 3\n')}budgets:
  shedding: { errors: "+0.5%" }
  calm: { errors: "+0.5%" }
instrumentations:
  - name: none
  - name: shedding
    env: { SHED: "1" }
  - name: calm
    env: { SHED: "0" }
`);
    const out = join(dir, 'out');
    const env = simulated({ configs: { shedding: { failures: [{ route: 'GET /json', what: '503', share: 0.225 }] } } });
    const { code, stdout } = await runCli(['run', file, '--out', out, '--gate'], { env });
    expect(code, stdout).toBe(1);
    const [change, ...others] = readOnlyResult(out).analysis!.behaviour!;
    expect(others).toEqual([]);
    expect(change!.finding).toMatch(/^shedding: 22\.5% of requests answered 503 \(baseline 0\.0%\): the app shed load/);
    expect(stdout).toMatch(/Behaviour changes[^\n]*\n\s+shedding: 22\.5% of requests answered 503[^\n]*\n\s+GET \/json: \d+× 503/);
    expect(stdout).toMatch(/FAIL\s+shedding errors ≤ \+0\.5%/);
    expect(stdout).toMatch(/PASS\s+calm errors ≤ \+0\.5%/);
  });

  it('soak: a known heap growth is found at its rate beside an intake-down config, which keeps its runs and says why it sent nothing', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'soak.yaml', `name: soak
${workload('  rounds: 1\n  soak: { duration: 20s, sample: 1s }\n')}budgets:
  leak: { heapGrowth: "+5MB/h" }
instrumentations:
  - name: none
  - name: leak
    env: { LEAK: "1" }
  - name: steady
    env: { LEAK: "0" }
  - datadog: { sampleRate: 1, intake: down }
`);
    const out = join(dir, 'out');
    // 2,048 bytes per request at 200 req/s: 1,406 MiB an hour.
    const env = simulated({ configs: { leak: { heapGrowthBytesPerRequest: 2048 }, datadog: { ratio: 1.8, intake: { perRequest: { spans: 1 } } } } });
    const { code, stdout } = await runCli(['run', file, '--out', out, '--gate'], { env });
    expect(code, stdout).toBe(1);
    const result = readOnlyResult(out);
    const leak = result.analysis!.soak!.growth.find((g) => g.config === 'leak' && g.metric === 'heapGrowth')!;
    const knownMiBPerHour = (2048 * 200 * 3600) / 1024 ** 2;
    expect(leak.finding).toBe('grows');
    expect(leak.paired!.ci.low).toBeLessThan(knownMiBPerHour);
    expect(leak.paired!.ci.high).toBeGreaterThan(knownMiBPerHour);
    const steady = result.analysis!.soak!.growth.find((g) => g.config === 'steady' && g.metric === 'heapGrowth')!;
    expect(steady.finding).toBe('no growth detected');
    expect(steady.detectablePerHour).toBeLessThan(knownMiBPerHour / 10);
    expect(stdout).toMatch(/steady\s+heap after GC: no growth detected \(would detect ≥ [\d.]+ MB\/h\)/);
    const down = result.runs.find((r) => r.config === 'datadog@1+intake-down')!;
    if (down.status !== 'measured') throw new Error(`intake-down run was ${down.status}`);
    expect(down.exclusions).toEqual([]);
    expect(down.intake).toBeUndefined();
    expect(down.warnings.join(' ')).toMatch(/intake was down on purpose/);
    expect(stdout).toContain('Growth over the soak');
    expect(stdout).toMatch(/FAIL\s+leak heapGrowth|FAIL\s+leak: heap/);
  });

  it('a config that crashes on its second run keeps its first pair, skips the rest with the reason, and exits 4', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'crash.yaml', `${workload('  rounds: 3\n')}instrumentations:
  - name: none
  - name: steady
    env: { STEADY: "1" }
  - name: crashy
    env: { CRASHY: "1" }
`);
    const out = join(dir, 'out');
    const env = simulated({ configs: { crashy: { crash: { run: 2, exitCode: 3, output: 'simulated crash' } } } });
    const { code, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code).toBe(4);
    expect(stderr).toMatch(/\(crashy, round 2\) failed: the target exited with code 3/);
    expect(stderr).toContain('simulated crash');
    const result = readOnlyResult(out);
    expect(result.status).toBe('failed');
    expect(result.runs.filter((r) => r.config === 'crashy').map((r) => r.status)).toEqual(['measured', 'failed', 'skipped']);
    expect(result.runs.filter((r) => r.config === 'steady').every((r) => r.status === 'measured')).toBe(true);
  });
});
