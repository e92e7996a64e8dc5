import { copyFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/instrument/egress.js';
import { fixtures, processesMentioning, keptRuns, readOnlyResult, runCli, tempDir, writeScenario } from '../helpers.js';

const fakeCredentials = {
  DD_API_KEY: '0123456789abcdef0123456789abcdef',
  DD_SITE: 'datadoghq.com',
  DD_AGENT_HOST: 'intake.datadoghq.com',
  DD_TRACE_AGENT_URL: 'https://trace.agent.datadoghq.com',
  SENTRY_DSN: 'https://0123456789abcdef@o123456.ingest.sentry.io/4504',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp-gateway-prod-eu-west-0.grafana.net/otlp',
  OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic c2VjcmV0',
  NEW_RELIC_LICENSE_KEY: 'eu01xx0123456789abcdef0123456789abcdNRAL',
};

describe('vendor configs through the CLI', () => {
  it('exports only to loopback even with real-looking credentials in the environment', async () => {
    const dir = tempDir();
    copyFileSync(join(fixtures, 'record-connections.cjs'), join(dir, 'record-connections.cjs'));
    const log = join(dir, 'connections.jsonl');
    const file = writeScenario(dir, 'egress.yaml', `target:
  module: ${JSON.stringify(join(process.cwd(), 'fixtures/fastify-app/server.js'))}
  env:
    NODE_OPTIONS: "--require ${join(dir, 'record-connections.cjs')}"
    RECORD_CONNECTIONS_FILE: ${JSON.stringify(log)}
workload:
  routes: [{ path: /json, weight: 3 }, { path: /downstream, weight: 1 }, { path: /error, weight: 1, expectStatus: 500 }]
  rate: 100
  primeRequests: 100
  warmup: 0.2s
  duration: 2s
  latencyDuration: 0.2s
  rounds: 1
instrumentations:
  - name: none
  - datadog: { sampleRate: 1, runtimeMetrics: true }
  - sentry: { tracesSampleRate: 1 }
  - opentelemetry: { ratio: 1 }
  - newrelic: {}
`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(['run', file, '--out', out], { env: fakeCredentials });
    expect(code, stderr).toBe(0);
    const result = readOnlyResult(out);
    expect(result.environment.strippedEnv).toEqual(expect.arrayContaining(Object.keys(fakeCredentials)));
    for (const run of keptRuns(result.runs).filter((r) => r.config !== 'none')) {
      // New Relic's default sampling target (10 transactions a minute) leaves no span events in a short
      // window; its transaction events arrive for every request.
      const delivered = run.status === 'measured' ? (run.config === 'newrelic' ? run.intake!.items.transactions : run.intake!.items.spans) : 0;
      expect(delivered, run.config).toBeGreaterThan(0);
    }
    expect(existsSync(log)).toBe(true);
    const destinations = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; host?: string; path?: string });
    expect(destinations.length).toBeGreaterThan(10);
    const elsewhere = destinations.filter((d) => !d.path && d.host !== undefined && !isLoopbackHost(d.host));
    expect(elsewhere).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('refuses a config that would export to another machine', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'remote.yaml', `workload: { routes: [{ path: /ping }], rate: 10, rounds: 1 }
instrumentations:
  - name: none
  - datadog: { sampleRate: 1, env: { DD_TRACE_AGENT_URL: "https://trace.agent.datadoghq.com" } }
`);
    const { code, stderr } = await runCli(['run', file, '--out', join(dir, 'out')]);
    expect(code).toBe(2);
    expect(stderr).toContain('DD_TRACE_AGENT_URL=https://trace.agent.datadoghq.com would send telemetry to trace.agent.datadoghq.com');
  });

  it('counts spans per request deterministically across rounds', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 'count.yaml', `workload:
  routes: [{ path: /json, weight: 4 }, { path: /downstream, weight: 1 }, { path: /error, weight: 1, expectStatus: 500 }]
  rate: 60
  primeRequests: 200
  warmup: 0.2s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 2
instrumentations:
  - name: none
  - datadog: { sampleRate: 1 }
  - sentry: { tracesSampleRate: 1 }
`);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/datadog@1 .* spans/);
    const result = readOnlyResult(out);
    for (const config of ['datadog@1', 'sentry@1']) {
      const perRequest = keptRuns(result.runs).filter((run) => run.config === config).map((run) => (run.status === 'measured' ? run.intake!.perRequest.spans! : Number.NaN));
      expect(perRequest).toHaveLength(2);
      // At least one span per request; /downstream adds a child span.
      for (const value of perRequest) expect(value).toBeGreaterThanOrEqual(1);
      expect(Math.abs(perRequest[0]! - perRequest[1]!) / perRequest[0]!).toBeLessThan(0.02);
    }
    const sentry = keptRuns(result.runs).find((run) => run.config === 'sentry@1')!;
    if (sentry.status !== 'measured') throw new Error(`sentry@1 was ${sentry.status}`);
    // One in six requests is /error, and each is one error event.
    expect(sentry.intake!.perRequest.errorEvents).toBeCloseTo(1 / 6, 1);
    expect(result.configs.find((c) => c.name === 'datadog@1')!.agent).toMatchObject({ package: 'dd-trace', from: 'apm-bench' });
  });
});
