import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, quickWorkload, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

describe('where the overhead goes: the profiling pass', () => {
  it('attributes a known burn inside a package named like an agent to that package, and keeps the profiled windows out of the estimates', async () => {
    const dir = tempDir();
    copyFileSync(join(fixtures, 'fake-agent.cjs'), join(dir, 'fake-agent.cjs'));
    cpSync(join(fixtures, 'node_modules', 'fake-agent'), join(dir, 'node_modules', 'fake-agent'), { recursive: true });
    const file = writeScenario(dir, 'profile.yaml', `name: profile
${quickWorkload({ rate: 200, rounds: 3, duration: '3s', latency: '0.3s' })}instrumentations:
  - name: none
  - name: fake
    preload: ./fake-agent.cjs
    env: { FAKE_AGENT_US: "150" }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out, '--profile']);
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    // The estimates come from the rounds only: 3 pairs, and no run in `runs` is a profiled one.
    expect(result.runs.length).toBe(6);
    expect(result.analysis!.estimates.find((e) => e.config === 'fake' && e.metric === 'cpuMsPerRequest')!.pairs).toBe(3);
    const profiling = result.profiling!;
    expect(profiling.runs.map((r) => [r.config, r.status])).toEqual([['none', 'measured'], ['fake', 'measured']]);
    for (const run of profiling.runs) if (run.status === 'measured') expect(existsSync(run.file)).toBe(true);
    const fake = profiling.attribution.find((a) => a.config === 'fake')!;
    const row = fake.rows.find((r) => r.bucket === 'fake-agent')!;
    // 150 µs of busy-wait per request, sampled every 50 µs over ~600 requests: about 1,800 samples (±2.4%). On this VM the
    // sampler still reads busy code a little low (−6% and −15% in two runs), so the bounds are ±25%: wide for a profiler
    // that works, and far from a broken one (0.3% of the burn when inlining hid it).
    expect(row.deltaMsPerRequest).toBeGreaterThan(0.15 * 0.75);
    expect(row.deltaMsPerRequest).toBeLessThan(0.15 * 1.25);
    expect(fake.rows[0]!.bucket).toBe('fake-agent');
    expect(fake.topFunctions[0]).toMatchObject({ bucket: 'fake-agent', functionName: 'fakeAgentWork', line: 9 });
    // The share sums every bucket's change over two sequential solo windows, and the shared buckets (node, fastify) move
    // with the VM's noise: the total read 0.56, 1.5–3.0 and once −0.49 of the measured overhead. So the claim checked is
    // the agent's own: its row explains most of the overhead the paired windows measured.
    expect(row.deltaMsPerRequest / fake.measuredDeltaMsPerRequest!).toBeGreaterThan(0.45);
    expect(profiling.stacks.fake!.some((s) => s.frames.at(-1)!.startsWith('fake-agent'))).toBe(true);
    // And the reports say so, with a flame graph in the HTML.
    expect(stdout).toContain('Where the overhead goes');
  });
});
