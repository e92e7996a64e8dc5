import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

const dir = tempDir('apm-bench-behaviour-');
copyFileSync(join(fixtures, 'shed-503.cjs'), join(dir, 'shed-503.cjs'));

const workload = (routes: string) => `workload:
  routes:
${routes}  rate: 200
  primeRequests: 300
  warmup: 0.5s
  duration: 1s
  latencyDuration: 0.3s
  rounds: 2
`;

describe('behaviour changes are findings, not exclusions', () => {
  it('a preload that answers 503 to 30% of GET /json is the top finding for its config, measured on the requests that succeeded, and fails an errors budget', async () => {
    const file = writeScenario(dir, 'shed.yaml', `name: shed
${workload('    - { method: GET, path: /json, weight: 3 }\n    - { method: GET, path: /ping, weight: 1 }\n')}budgets:
  shedding: { errors: "+0.5%" }
instrumentations:
  - name: none
  - name: shedding
    preload: ./shed-503.cjs
`);
    const out = join(dir, 'shed');
    const markdown = join(dir, 'shed.md');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out, '--gate', '--markdown', markdown]);
    expect(code, `${stdout}\n${stderr}`).toBe(1);
    const result = readOnlyResult(out);
    // Every run is kept: nothing is excluded for failing requests on an agent's side.
    for (const run of keptRuns(result.runs)) {
      expect(run.status).toBe('measured');
      if (run.status !== 'measured') continue;
      expect(run.exclusions).toEqual([]);
      if (run.config !== 'shedding') continue;
      // 3 in 10 of GET /json (3/4 of the mix): 22.5% of all requests, all of them 503, none on /ping.
      expect(run.load.failedByRoute!['GET /json']!['503']! / run.load.sent).toBeGreaterThan(0.2);
      expect(run.load.failedByRoute!['GET /ping']).toBeUndefined();
      expect(run.warnings.join(' ')).toMatch(/requests failed \(GET \/json → \d+× 503\): CPU and latency are per successful request/);
      // Latency counts only the answered requests: as many as succeeded in the solo phase.
      expect(run.latencyUs.count).toBe(run.latencyLoad!.sent - run.latencyLoad!.unexpectedStatuses);
    }
    const [change, ...others] = result.analysis!.behaviour!;
    expect(others).toEqual([]);
    expect(change!.config).toBe('shedding');
    expect(change!.failedShare).toBeGreaterThan(0.2);
    expect(change!.failedShare).toBeLessThan(0.25);
    expect(change!.finding).toMatch(/^shedding: 2\d\.\d% of requests answered 503 \(baseline 0\.0%\): the app shed load/);
    // The overhead is still estimated, on the requests that succeeded.
    expect(result.analysis!.estimates.some((e) => e.config === 'shedding' && e.metric === 'cpuMsPerRequest')).toBe(true);
    // The terminal leads with it, per route; the gate fails its errors budget (a calm config passing one is in the
    // simulated behaviour test, test/e2e/statistics.test.ts).
    expect(stdout).toMatch(/Behaviour changes[^\n]*\n\s+shedding: 2\d\.\d% of requests answered 503[^\n]*\n\s+GET \/json: \d+× 503/);
    expect(stdout).toMatch(/FAIL\s+shedding errors ≤ \+0\.5%/);
    expect(stdout).not.toContain('check the route mix');
    // The step summary a reviewer reads, and the Markdown report beside the result.
    expect(readFileSync(markdown, 'utf8')).toMatch(/> \*\*Warning:\*\* behaviour change: shedding: 2\d\.\d% of requests answered 503/);
    const report = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.md'))!), 'utf8');
    expect(report).toMatch(/## Behaviour changes\n\n```\nBehaviour changes[^\n]*\n\s+shedding: 2\d\.\d% of requests answered 503/);
    expect(report).toMatch(/- \*\*shedding\*\* \([^)]*\): Behaviour change: 2\d\.\d% of requests answered 503/);
  }, 150_000);

  it('a route that fails for every config, the baseline included, is a scenario error named with its route and status', async () => {
    const file = writeScenario(dir, 'broken.yaml', `name: broken
${workload('    - { method: GET, path: /json, weight: 3 }\n    - { method: POST, path: /orders, weight: 1, body: { nope: true } }\n')}instrumentations:
  - name: none
  - name: calm
    preload: ./shed-503.cjs
    env: { SHED_EVERY_TENTH: "0" }
`);
    const out = join(dir, 'broken');
    const { stdout, stderr } = await runCli(['run', file, '--out', out, '--rounds', '1']);
    const result = readOnlyResult(out);
    const baseline = keptRuns(result.runs).find((run) => run.config === 'none')!;
    expect(baseline.status).toBe('measured');
    if (baseline.status === 'measured') {
      expect(baseline.exclusions[0]).toMatch(/^the baseline failed \d+ of \d+ requests \(POST \/orders → \d+× 400\): a scenario error/);
    }
    expect(result.analysis!.brokenRoutes).toEqual([expect.objectContaining({ route: 'POST /orders', failures: { 400: expect.any(Number) } })]);
    expect(result.analysis!.behaviour ?? []).toEqual([]);
    expect(`${stdout}\n${stderr}`).toMatch(/Scenario errors:\n\s+POST \/orders failed \d+\.\d% of the time for every config, the baseline too \(\d+× 400\)/);
  }, 120_000);
});
