import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

const dir = tempDir('apm-bench-versions-');
const cache = join(dir, 'cache');

const workload = (rounds: number) => `workload:
  routes: [{ path: /json, weight: 3 }, { path: /ping, weight: 1 }]
  rate: 200
  primeRequests: 500
  warmup: 0.5s
  duration: 2s
  latencyDuration: 0.3s
  rounds: ${rounds}
`;

describe('agent versions', () => {
  it('a matrix of two prom-client versions runs in one session, each installed once into the cache, then reused offline', async () => {
    const file = writeScenario(dir, 'matrix.yaml', `name: matrix
${workload(1)}instrumentations:
  - name: none
  - prometheus: { scrapeInterval: 1s, version: ["15.1.2", "15.1.3"] }
`);
    const env = { APM_BENCH_CACHE: cache };
    const before = await runCli(['validate', file], { env });
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain(`prometheus@15.1.2: prom-client 15.1.2 from the agent cache, the version the scenario pins, installed on the first run (${cache}/agents/prom-client@15.1.2/`);
    const out = join(dir, 'matrix');
    const { code, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('Installing prom-client@15.1.2 into the agent cache');
    const result = readOnlyResult(out);
    expect(result.configs.map((c) => [c.name, c.agent?.version, c.agent?.from])).toEqual([
      ['none', undefined, undefined], ['prometheus@15.1.2', '15.1.2', 'cache'], ['prometheus@15.1.3', '15.1.3', 'cache'],
    ]);
    // prom-client, not dd-trace: the same install path at a tenth of the download, so the test spends its time on the cache.
    for (const version of ['15.1.2', '15.1.3']) {
      const manifest = join(cache, 'agents', `prom-client@${version}`, 'node_modules', 'prom-client', 'package.json');
      expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toBe(version);
      // Both versions were scraped: the cached copy loaded and served its metrics.
      const run = keptRuns(result.runs).find((r) => r.config === `prometheus@${version}`)!;
      expect(run.status).toBe('measured');
      if (run.status === 'measured') expect(run.intake!.items.series).toBeGreaterThan(10);
    }
    expect(result.analysis!.estimates.filter((e) => e.metric === 'cpuMsPerRequest').map((e) => e.config)).toEqual(['prometheus@15.1.2', 'prometheus@15.1.3']);
    // Offline: a registry that cannot answer is never asked.
    const offline = await runCli(['run', file, '--out', join(dir, 'offline')], { env: { ...env, npm_config_registry: 'http://127.0.0.1:9/' } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).not.toContain('Installing');
    const after = await runCli(['validate', file], { env });
    expect(after.stdout).toMatch(/prometheus@15\.1\.2: prom-client 15\.1\.2 from the agent cache, the version the scenario pins \(/);
  }, 300_000);

  it('a version that does not exist is an input error that names it, before any load', async () => {
    const file = writeScenario(dir, 'missing.yaml', `name: missing
${workload(1)}instrumentations:
  - name: none
  - datadog: { version: "5.0.999" }
`);
    const { code, stderr } = await runCli(['run', file, '--out', join(dir, 'missing')], { env: { APM_BENCH_CACHE: cache } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/could not install dd-trace@5\.0\.999 into the agent cache: .*Check the version exists \(npm view dd-trace versions\)/);
    expect(existsSync(join(cache, 'agents', 'dd-trace@5.0.999'))).toBe(false);
    const range = writeScenario(dir, 'range.yaml', `name: range\n${workload(1)}instrumentations:\n  - name: none\n  - datadog: { version: "^5" }\n`);
    const bad = await runCli(['validate', range]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected an exact version like "5.80.0"');
  }, 120_000);
});

describe('a Node runtime matrix', () => {
  it('runs a config on Node 22 next to Node 20 in one session, each beside a baseline on the same runtime', async () => {
    const file = writeScenario(dir, 'runtimes.yaml', `name: runtimes
node: [20, "22"]
${workload(1)}instrumentations:
  - name: none
  - datadog: { sampleRate: 1 }
`);
    const env = { APM_BENCH_CACHE: cache };
    const out = join(dir, 'runtimes');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out], { env });
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    expect(result.configs.map((c) => [c.name, c.runtime?.label])).toEqual([['none', undefined], ['datadog@1@node20', 'node20'], ['datadog@1@node22', 'node22']]);
    // Every pair ran on one runtime, and the probe inside each target says which.
    const byPair = new Map<number, string[]>();
    for (const run of keptRuns(result.runs)) {
      expect(run.status).toBe('measured');
      if (run.status === 'measured') byPair.set(run.pair, [...(byPair.get(run.pair) ?? []), `${run.config} ${run.nodeVersion!.split('.')[0]}`]);
    }
    expect([...byPair.values()].map((sides) => sides.sort()).sort()).toEqual([['datadog@1@node20 v20', 'none v20'], ['datadog@1@node22 v22', 'none v22']]);
    expect(result.analysis!.estimates.filter((e) => e.metric === 'cpuMsPerRequest').map((e) => e.config)).toEqual(['datadog@1@node20', 'datadog@1@node22']);
    expect(stdout).toMatch(/Node runtime matrix \(node20, node22\)/);
    // A sequential design cannot give each runtime its own baseline: refused before any load.
    const sequential = writeScenario(dir, 'runtimes-seq.yaml', readFileSync(file, 'utf8').replace('  rounds: 1\n', '  rounds: 1\n  design: sequential\n'));
    const refused = await runCli(['validate', sequential], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('node: a runtime matrix needs workload.design: co-scheduled');
  }, 180_000);
});
