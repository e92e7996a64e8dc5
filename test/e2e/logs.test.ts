import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickWorkload, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

describe('request logs', () => {
  it('counts the log bytes per request the app writes, with and without dd-trace log injection', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'logs.yaml', `name: logs
${quickWorkload({ jsonOnly: true, rate: 200, prime: 300, duration: '1.5s', latency: '0.2s', rounds: 2 })}instrumentations:
  - name: none
  - datadog: { name: dd-plain, sampleRate: 1 }
  - datadog: { name: dd-logs, sampleRate: 1, logInjection: true }
budgets:
  dd-logs@1: { logBytes: "1KB" }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    const perRequest = new Map<string, number>();
    for (const run of result.runs) {
      if (run.status !== 'measured') throw new Error(`${run.config} was ${run.status}`);
      // The fixture writes one pino line per request to LOG_FILE; the window counts exactly its own.
      expect(run.logs!.linesPerRequest).toBeGreaterThan(0.97);
      expect(run.logs!.linesPerRequest).toBeLessThan(1.03);
      perRequest.set(run.config, run.logs!.bytesPerRequest);
    }
    // The same line without injection (~190 B); dd-trace adds dd.trace_id, span_id, service, env and version (~150 B).
    expect(Math.abs(perRequest.get('dd-plain@1')! - perRequest.get('none')!)).toBeLessThan(10);
    expect(perRequest.get('dd-logs@1')! - perRequest.get('dd-plain@1')!).toBeGreaterThan(100);
    // A volume budget needs two runs to decide: two rounds.
    expect(result.analysis!.budgets.map((b) => [b.config, b.budget.metric, b.verdict])).toEqual([['dd-logs@1', 'logBytes', 'pass']]);
    expect(stdout).toMatch(/dd-logs@1 .* log \d+ B/);
  }, 120_000);
});
