import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, quickWorkload, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

describe('ports', () => {
  it('a target whose port was taken before it could listen (EADDRINUSE) is started again on another port, not failed', async () => {
    const dir = tempDir('apm-bench-ports-');
    copyFileSync(join(fixtures, 'port-clash.cjs'), join(dir, 'port-clash.cjs'));
    const marker = join(dir, 'first-start');
    const file = writeScenario(dir, 'clash.yaml', `name: clash
${quickWorkload({ jsonOnly: true, rounds: 1, duration: '1s', prime: 200, latency: '0.3s' })}instrumentations:
  - name: none
  - name: clash
    preload: ./port-clash.cjs
    env: { CLASH_MARKER: "${marker}" }
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    // The first start did fail on its port; the run still measured both sides.
    expect(existsSync(marker)).toBe(true);
    expect(readOnlyResult(out).runs.map((run) => [run.config, run.status])).toEqual(expect.arrayContaining([['none', 'measured'], ['clash', 'measured']]));
  }, 60_000);
});
