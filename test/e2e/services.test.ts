import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable, keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

const postgres = await reachable(5432);
const redis = await reachable(6379);
const missing = [!postgres && 'PostgreSQL on 127.0.0.1:5432', !redis && 'Redis on 127.0.0.1:6379'].filter(Boolean).join(' and ');
const title = missing ? `fixture DB and cache routes (skipped: ${missing} not reachable)` : 'fixture DB and cache routes';

describe.skipIf(Boolean(missing))(title, () => {
  it('serves /db and /cache under load without errors', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'services.yaml', `workload:
  routes:
    - { path: /db/items/7, weight: 1 }
    - { path: /cache/k1, weight: 1 }
  rate: 100
  warmup: 1s
  duration: 2s
  rounds: 1
instrumentations:
  - name: none
  - name: twin
    env: { TWIN: "1" }
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const runs = keptRuns(readOnlyResult(out).runs);
    expect(runs.length).toBe(2);
    for (const run of runs) {
      if (run.status !== 'measured') throw new Error(`the run was ${run.status}`);
      expect(run.exclusions).toEqual([]);
      expect(run.load.statusCounts).toEqual({ 200: run.requests });
      expect(run.load.statusByRoute).toEqual({ 'GET /db/items/7': { 200: 100 }, 'GET /cache/k1': { 200: 100 } });
      expect(run.requests).toBe(200);
    }
  });
});
