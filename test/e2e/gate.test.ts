import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, runCli, tempDir, writeScenario } from '../helpers.js';

const dir = tempDir('apm-bench-gate-');
copyFileSync(join(fixtures, 'burn-cpu.cjs'), join(dir, 'burn-cpu.cjs'));
copyFileSync(join(fixtures, 'noop.cjs'), join(dir, 'noop.cjs'));

/** The same config name, "agent", so results can be compared; only what it loads differs. */
function scenario(name: string, agent: string, budget: string): string {
  return writeScenario(dir, `${name}.yaml`, `name: ${name}
workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 200
  primeRequests: 1000
  warmup: 0.5s
  duration: 3s
  latencyDuration: 0.5s
  rounds: 3
budgets:
  agent: { cpu: "${budget}" }
instrumentations:
  - name: none
  - name: agent
${agent}
`);
}

const noop = '    preload: ./noop.cjs';
const burn = '    preload: ./burn-cpu.cjs\n    env: { BURN_US: "1000" }';
const resultOf = (out: string, prefix: string) => join(out, readdirSync(out).find((f) => f.startsWith(`${prefix}-2`) && f.endsWith('.json'))!);

describe('the CI gate', () => {
  const outA = join(dir, 'a');
  const outB = join(dir, 'b');
  const outC = join(dir, 'c');

  it('passes a generous budget (exit 0)', async () => {
    const { code, stdout, stderr } = await runCli(['run', scenario('base', noop, '+300%'), '--out', outA, '--gate']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Gate: PASS (exit 0)');
    const result = JSON.parse(readFileSync(resultOf(outA, 'base'), 'utf8'));
    expect(result.gate).toMatchObject({ verdict: 'pass', exitCode: 0 });
  });

  it('fails a tight CPU budget when a preload burns CPU, and says so in JUnit and Markdown (exit 1)', async () => {
    const junit = join(dir, 'junit.xml');
    const markdown = join(dir, 'summary.md');
    const summary = join(dir, 'step-summary.md');
    const { code, stdout } = await runCli(
      ['run', scenario('head', burn, '+15%'), '--out', outB, '--gate', '--junit', junit, '--markdown', markdown],
      { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } },
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/::error title=apm-bench agent::cpu ≤ \+15%25: \+\d+%25/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/<testcase classname="apm-bench\.agent" name="cpu ≤ \+15%">\s*<failure message="agent cpu ≤ \+15%: \+\d+% \[\+\d+%, \+\d+%\], budget \+15%"/);
    const md = readFileSync(markdown, 'utf8');
    expect(md).toMatch(/\| ❌ fail \| agent \| cpu ≤ \+15% \| \+\d+% \[\+\d+%, \+\d+%\], budget \+15% \|/);
    expect(readFileSync(summary, 'utf8')).toBe(`${md}\n`);
  });

  it('calls a budget below the noise floor inconclusive (exit 3), never a coin flip', async () => {
    const file = scenario('aa', noop, '+1%');
    const calibration = await runCli(['calibrate', file, '--out', outC, '--rounds', '3']);
    expect(calibration.code, calibration.stderr).toBe(0);
    expect(calibration.stdout).toMatch(/CPU per request: 5 rounds detect ≥ [\d.]+% overhead, 10 rounds ≥ [\d.]+%/);
    const { code, stdout } = await runCli(['run', file, '--out', outC, '--gate']);
    expect(code).toBe(3);
    expect(stdout).toContain('inconclusive: budget below detectable effect');
  });

  it('compare finds the regression in a head with extra CPU burn, and none between A/A results', async () => {
    const base = resultOf(outA, 'base');
    const regressed = await runCli(['compare', base, resultOf(outB, 'head')]);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/REGRESSION\s+agent CPU\/req/);
    const same = await runCli(['compare', base, resultOf(outC, 'aa')]);
    expect(same.code).not.toBe(1);
    expect(same.stdout).not.toContain('REGRESSION');
  });
});
