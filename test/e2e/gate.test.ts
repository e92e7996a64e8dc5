/**
 * The CI gate's exit codes, JUnit, Markdown, annotations, calibration plans, compare and money budgets, through the real
 * CLI on simulated sessions (APM_BENCH_SIMULATE): the verdicts follow from a seeded model with known overheads, so
 * each case is exact and the file runs in seconds. That the engine measures real overheads is test/e2e/run.test.ts.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, simulated, tempDir, writeScenario } from '../helpers.js';

const dir = tempDir('apm-bench-gate-');

/** The same config name, "agent", so results can be compared; only its simulated cost differs. */
function scenario(name: string, budget: string, extra = ''): string {
  return writeScenario(dir, `${name}.yaml`, `name: ${name}
workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 200
  duration: 3s
  rounds: 3
${extra}budgets:
  agent: { cpu: "${budget}" }
instrumentations:
  - name: none
  - name: agent
    env: { AGENT: "1" }
`);
}

/** dd-trace-sized (×1.9), Sentry-sized (×3.8) and no overhead, with quick.yaml's per-pair spread. */
const none = simulated({ pairSd: 0.03, configs: { agent: { ratio: 1 } } });
const burn = simulated({ pairSd: 0.03, configs: { agent: { ratio: 1.9 } } });
const sentrySized = simulated({ pairSd: 0.03, configs: { agent: { ratio: 3.8 } } });
const resultOf = (out: string, prefix: string) => join(out, readdirSync(out).find((f) => f.startsWith(`${prefix}-2`) && f.endsWith('.json'))!);

describe('the CI gate', () => {
  const outA = join(dir, 'a');
  const outB = join(dir, 'b');
  const outC = join(dir, 'c');

  it('passes a generous budget (exit 0), and the result says it was simulated', async () => {
    const { code, stdout, stderr } = await runCli(['run', scenario('base', '+300%'), '--out', outA, '--gate'], { env: none });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Gate: PASS (exit 0)');
    expect(stdout).toContain('SIMULATED session');
    const result = JSON.parse(readFileSync(resultOf(outA, 'base'), 'utf8'));
    expect(result.gate).toMatchObject({ verdict: 'pass', exitCode: 0 });
    expect(result.simulation).toMatchObject({ seed: 7 });
    expect(result.notes[0]).toMatch(/^SIMULATED/);
    expect(readFileSync(resultOf(outA, 'base').replace(/\.json$/, '.md'), 'utf8')).toMatch(/^# apm-bench report: base\n\n> \*\*SIMULATED/);
  });

  it('fails a tight CPU budget and says so in JUnit, Markdown, the step summary and annotations (exit 1)', async () => {
    const junit = join(dir, 'junit.xml');
    const markdown = join(dir, 'summary.md');
    const summary = join(dir, 'step-summary.md');
    const { code, stdout } = await runCli(
      ['run', scenario('head', '+15%'), '--out', outB, '--gate', '--junit', junit, '--markdown', markdown],
      { env: { ...burn, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } },
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/::error title=apm-bench agent::cpu ≤ \+15%25: \+[\d.]+%25/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/<testcase classname="apm-bench\.agent" name="cpu ≤ \+15%">\s*<failure message="agent cpu ≤ \+15%: \+[\d.]+% \[\+[\d.]+%, \+[\d.]+%\], budget \+15%"/);
    const md = readFileSync(markdown, 'utf8');
    // Percentages under 100 print a decimal (+87.3%), so the pattern takes both.
    expect(md).toMatch(/\| ❌ fail \| agent \| cpu ≤ \+15% \| \+[\d.]+% \[\+[\d.]+%, \+[\d.]+%\], budget \+15% \|/);
    expect(readFileSync(summary, 'utf8')).toBe(`${md}\n`);
  });

  it('a budget below the noise floor gets a plan, not a coin flip; a calibration never overrides a decided fail', async () => {
    const file = scenario('aa', '+1%');
    const calibration = await runCli(['calibrate', file, '--out', outC, '--rounds', '3'], { env: none });
    expect(calibration.code, calibration.stderr).toBe(0);
    expect(calibration.stdout).toMatch(/CPU per request: 5 rounds detect ≥ [\d.]+% overhead, 10 rounds ≥ [\d.]+%/);
    const { code, stdout, stderr } = await runCli(['run', file, '--out', outC, '--gate'], { env: none });
    expect(stderr).toMatch(/Warning: budget agent cpu ≤ \+1% is below what 3 rounds detect on this machine/);
    // No overhead, a per-pair SD of 0.03 and 3 pairs: the CI spans about ±7%, so +1% cannot be decided.
    expect(code, stdout).toBe(3);
    expect(stdout).toMatch(/INCONCLUSIVE\s+agent cpu ≤ \+1%: .* the budget is below what 3 rounds detect on this machine \(≥ [\d.]+%\); ≈ \d+ rounds would tell it from no overhead/);
    // The same calibration, a Sentry-sized overhead against +15%: a fail, calibration or not.
    const failed = await runCli(['run', scenario('aa', '+15%'), '--out', outC, '--gate', '--rounds', '3'], { env: sentrySized });
    expect(failed.code, `${failed.stdout}\n${failed.stderr}`).toBe(1);
    expect(failed.stdout).toMatch(/FAIL\s+agent cpu ≤ \+15%/);
  });

  it('--inconclusive decides what an undecided budget exits with', async () => {
    const file = scenario('undecided', '+1%');
    const pass = await runCli(['run', file, '--out', join(dir, 'undecided'), '--gate', '--inconclusive', 'pass'], { env: none });
    expect(pass.code, pass.stdout).toBe(0);
    const fail = await runCli(['run', file, '--out', join(dir, 'undecided'), '--gate', '--inconclusive', 'fail'], { env: none });
    expect(fail.code, fail.stdout).toBe(1);
  });

  it('compare finds the regression in a head with extra CPU, and none between A/A results', async () => {
    const base = resultOf(outA, 'base');
    const regressed = await runCli(['compare', base, resultOf(outB, 'head')]);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/REGRESSION\s+agent CPU\/req/);
    // The first "aa" result written there is the A/A session; a Sentry-sized one follows, perhaps within the same second.
    const aa = readdirSync(outC).filter((f) => /^aa-\d{8}-\d{6}(-\d+)?\.json$/.test(f)).map((f) => join(outC, f))
      .sort((x, y) => statSync(x).mtimeMs - statSync(y).mtimeMs)[0]!;
    const same = await runCli(['compare', base, aa]);
    expect(same.code).not.toBe(1);
    expect(same.stdout).not.toContain('REGRESSION');
    // Two sessions say what they could have detected.
    expect(same.stdout).toMatch(/would detect a change ≥ \+[\d.]+% with 80% power/);
  });
});

describe('gate hygiene', () => {
  it('a budget key that matches no config is an input error naming the key (exit 2), never a silent pass', async () => {
    for (const key of ['Agent', 'agent@*', 'datadog']) {
      const text = readFileSync(scenario(`typo-${key.replace(/\W/g, '')}`, '+50%'), 'utf8').replace('  agent: { cpu', `  "${key}": { cpu`);
      const typo = writeScenario(dir, `typo-${key.replace(/\W/g, '')}.yaml`, text);
      for (const command of [['validate', typo], ['run', typo, '--gate', '--out', join(dir, 'typo')]]) {
        const { code, stderr } = await runCli(command, { env: none });
        expect(code, stderr).toBe(2);
        expect(stderr).toContain(`"${key}" matches no config, so its budget would never be checked. The configs are: agent.`);
      }
    }
    // The same in a shared budgets file.
    const shared = join(dir, 'shared-budgets.yaml');
    writeFileSync(shared, '"Datadog@*": { cpu: "+150%" }\n');
    const { code, stderr } = await runCli(['run', scenario('shared', '+50%'), '--gate', '--budgets', shared, '--out', join(dir, 'typo')], { env: none });
    expect(code).toBe(2);
    expect(stderr).toContain('"Datadog@*" matches no config');
  });

  it('five budgets in one gate share Holm\'s procedure: an A/A session passes or is inconclusive, one real overhead fails alone', async () => {
    const configs = ['a', 'b', 'c', 'd', 'e'];
    const file = writeScenario(dir, 'aa5.yaml', `name: aa5
workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 300
  duration: 1.5s
  rounds: 3
budgets:
${configs.map((name) => `  ${name}: { cpu: "+10%", rss: "+5MB" }`).join('\n')}
instrumentations:
  - name: none
${configs.map((name) => `  - name: ${name}\n    env: { CONFIG: "${name}" }`).join('\n')}
`);
    const { code, stdout, stderr } = await runCli(['run', file, '--gate', '--out', join(dir, 'aa5')], { env: none });
    expect([0, 3], stderr).toContain(code);
    expect(stdout).not.toMatch(/^\s*FAIL /m);
    expect(stdout).toContain("Holm's procedure");
    const oneBad = await runCli(['run', file, '--gate', '--out', join(dir, 'aa5')], { env: simulated({ pairSd: 0.03, configs: { c: { ratio: 1.5 } } }) });
    expect(oneBad.code).toBe(1);
    const fails = oneBad.stdout.match(/^\s*FAIL\s+\S+/gm)!.map((line) => line.trim().split(/\s+/)[1]);
    expect(new Set(fails)).toEqual(new Set(['c:', 'c']));
  });
});

describe('money budgets in the gate', () => {
  // Sentry at 1.0 on a route mix with errors: its bill at 500M requests is thousands of dollars a month, from the
  // transactions, spans and errors its intake counts, far from both limits below.
  const money = (limit: string) => writeScenario(dir, `money-${limit.replace(/\W/g, '')}.yaml`, `name: money
workload:
  routes: [{ path: /json, weight: 5 }, { path: /error, weight: 1, expectStatus: 500 }]
  rate: 150
  duration: 1.5s
  rounds: 3
budgets:
  "sentry@*": { cost: "${limit}" }
instrumentations:
  - name: none
  - sentry: { tracesSampleRate: 1.0 }
`);
  const sentry = simulated({ configs: { sentry: { ratio: 5, intake: { perRequest: { transactions: 1, spans: 1, errorEvents: 1 / 6 }, bytesPerItem: 900 } } } });

  it('fails a session whose projected bill is over a money budget (exit 1), and passes a generous one (exit 0)', async () => {
    const tight = await runCli(['run', money('$100/month'), '--out', join(dir, 'money-tight'), '--gate', '--traffic', '500M', '--json'], { env: sentry });
    expect(tight.code, tight.stderr).toBe(1);
    const failed = JSON.parse(tight.stdout) as { gate: { verdict: string; cases: Array<{ check: string; verdict: string; measured: string }> } };
    expect(failed.gate.verdict).toBe('fail');
    expect(failed.gate.cases).toEqual([expect.objectContaining({ check: 'cost ≤ $100/month', verdict: 'fail', measured: expect.stringMatching(/\/month \[\$[\d,]+, \$[\d,]+\] at 500M/) })]);
    const generous = await runCli(['run', money('$1M/month'), '--out', join(dir, 'money-generous'), '--gate', '--traffic', '500M'], { env: sentry });
    expect(generous.code, generous.stderr).toBe(0);
    expect(generous.stdout).toMatch(/PASS\s+sentry@1 cost ≤ \$1M\/month/);
  });

  it('a Sentry config whose intake received nothing is excluded with the reason, and its money budget is inconclusive, never a pass', async () => {
    const { code, stdout } = await runCli(['run', money('$1M/month'), '--out', join(dir, 'money-empty'), '--gate', '--traffic', '500M'], { env: simulated({}) });
    expect(stdout).toMatch(/sentry@1 \(excluded\): @sentry\/node delivered no transactions to the local intake/);
    expect(stdout).toMatch(/INCONCLUSIVE\s+sentry@1 cost ≤ \$1M\/month: no valid paired runs to bill/);
    expect(code).toBe(3);
  });
});
