import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

function scenario(dir: string, extra: string, instrumentations: string): string {
  copyFileSync(join(fixtures, 'burn-cpu.cjs'), join(dir, 'burn-cpu.cjs'));
  copyFileSync(join(fixtures, 'noop.cjs'), join(dir, 'noop.cjs'));
  return writeScenario(dir, 'stats.yaml', `workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 200
  connections: 4
  warmup: 1s
  duration: 3s
${extra}
instrumentations:
  - name: none
${instrumentations}
`);
}

describe('statistics end to end', () => {
  it('A/A: a no-op preload shows no significant CPU overhead, while a known burn does, inside its CI', async () => {
    const dir = tempDir();
    const file = scenario(dir, '  rounds: 5', `  - name: noop
    preload: ./noop.cjs
  - name: burn
    preload: ./burn-cpu.cjs
    env: { BURN_US: "500" }`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const { analysis } = readOnlyResult(out);
    const cpu = (config: string) => analysis!.estimates.find((e) => e.config === config && e.metric === 'cpuMsPerRequest')!;
    // A/A: no evidence of a 10% overhead (a strict "not significant" would fail 5% of the time by design).
    expect(cpu('noop').overheadCI.low).toBeLessThan(0.1);
    expect(Math.abs(cpu('noop').delta)).toBeLessThan(0.1);
    expect(cpu('burn').significance).toBe('significant overhead');
    expect(cpu('burn').deltaCI.low).toBeLessThan(0.55);
    expect(cpu('burn').deltaCI.high).toBeGreaterThan(0.45);
    expect(cpu('burn').perBlock).toHaveLength(5);
  });

  it('rounds: auto stops once the budget verdict is decided', async () => {
    const dir = tempDir();
    const file = scenario(dir, `  rounds: auto
  autoRounds: { min: 3, max: 12 }
budgets:
  burn: { cpu: "+30%" }`, `  - name: burn
    preload: ./burn-cpu.cjs
    env: { BURN_US: "1000" }`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    // A 1 ms burn on a ~0.3 ms request is several hundred percent: decided at the minimum.
    expect(result.runs).toHaveLength(6);
    expect(stderr).toContain('All verdicts decided after 3 rounds');
    expect(result.analysis!.budgets[0]).toMatchObject({ config: 'burn', verdict: 'fail' });
    expect(stdout).toMatch(/FAIL\s+burn: cpu ≤ \+30%/);
  });
});
