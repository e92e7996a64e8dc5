import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickWorkload, keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

describe('agents stacked in one process', () => {
  it('runs dd-trace and @sentry/node together, each with its own intake and counts, beside each alone, and reports the interaction', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'stack.yaml', `name: stack
${quickWorkload({ jsonOnly: true, rate: 40, prime: 100, duration: '2s', latency: '0.2s', rounds: 2 })}instrumentations:
  - name: none
  - datadog: { sampleRate: 1 }
  - sentry: { tracesSampleRate: 1 }
  - stack: [{ datadog: { sampleRate: 1 } }, { sentry: { tracesSampleRate: 1 } }]
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    const stackConfig = result.configs.find((c) => c.name === 'datadog@1+sentry@1')!;
    expect(stackConfig.kind).toBe('stack');
    // Both agents preloaded, in the order listed.
    expect(stackConfig.preloads.map((p) => p.split('/').slice(-2).join('/'))).toEqual(['dd-trace/init.js', 'preloads/sentry.cjs']);
    const stackRuns = keptRuns(result.runs).filter((r) => r.config === 'datadog@1+sentry@1');
    expect(stackRuns).toHaveLength(2);
    for (const run of stackRuns) {
      if (run.status !== 'measured') throw new Error(`stack run was ${run.status}`);
      // Each agent reached its own intake: one Sentry transaction per request, and dd-trace's traces (it also traces
      // Sentry's own uploads, so at least one per request).
      expect(run.intake!.perRequest['sentry@1/transactions']).toBeGreaterThan(0.95);
      expect(run.intake!.perRequest['sentry@1/transactions']).toBeLessThan(1.05);
      expect(run.intake!.perRequest['datadog@1/traces']).toBeGreaterThanOrEqual(0.95);
      expect(run.intake!.items.spans).toBe(run.intake!.items['datadog@1/spans']! + run.intake!.items['sentry@1/spans']!);
    }
    const interaction = result.analysis!.interactions!.find((i) => i.config === 'datadog@1+sentry@1')!;
    expect(interaction.members).toEqual(['datadog@1', 'sentry@1']);
    expect(interaction.sumOfPartsMs).toBeGreaterThan(0);
    expect(interaction.ci.low).toBeLessThan(interaction.ci.high);
    expect(stdout).toContain('Agents stacked together:');
    expect(stdout).toMatch(/datadog@1\+sentry@1 costs .*the sum of its parts/);
  }, 180_000);
});
