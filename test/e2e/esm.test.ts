import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/samples/analysis.js';
import { reachable, readOnlyResult, root, runCli, tempDir, writeScenario } from '../helpers.js';

const postgres = await reachable(5432);
const dir = tempDir('apm-bench-esm-');
const app = join(root, 'fixtures', 'esm-service');

/** The ES module service (knex over pg, a cookie session login), started as its package.json start script does. */
const scenario = (name: string, target: string, instrumentations: string) => writeScenario(dir, `${name}.yaml`, `name: ${name}
target:
${target}
workload:
  login: { path: /login, body: { username: bench, password: bench-password } }
  routes:
    - { path: /orders, auth: true, weight: 2 }
    - { path: /me, auth: true }
  rate: 100
  primeRequests: 300
  warmup: 0.5s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 1
instrumentations:
  - name: none
${instrumentations}
`);

async function instrumentation(file: string): Promise<{ text: string; reports: NonNullable<Analysis['instrumentation']> }> {
  const { code, stdout, stderr } = await runCli(['run', file, '--json', '--out', join(dir, 'out', file.split('/').pop()!)]);
  expect(code, stderr).toBe(0);
  const document = JSON.parse(stdout) as { analysis: Analysis };
  return { text: stderr, reports: document.analysis.instrumentation ?? [] };
}

const librariesOf = (reports: NonNullable<Analysis['instrumentation']>, config: string) => reports.find((r) => r.config === config)?.libraries.map((l) => l.module);
const labelsOf = (reports: NonNullable<Analysis['instrumentation']>, config: string) => reports.find((r) => r.config === config)?.spanNames.map((s) => s.name) ?? [];

describe.skipIf(!postgres)(`an ES module service${postgres ? '' : ' (skipped: PostgreSQL on 127.0.0.1:5432 not reachable)'}`, () => {
  it('each agent loads through its vendor\'s ESM path and its fastify and database integrations attach, proven by its own spans', async () => {
    const file = scenario('esm', `  command: node dist/server.js\n  cwd: ${app}`, [
      '  - datadog: { sampleRate: 1 }',
      '  - sentry: { tracesSampleRate: 1 }',
      '  - opentelemetry: { ratio: 1 }',
      // Span events come from sampled transactions only: a high target samples them all, so the datastore segments arrive.
      '  - newrelic: { samplingTarget: 1000 }',
    ].join('\n'));
    const { reports } = await instrumentation(file);
    const result = readOnlyResult(join(dir, 'out', 'esm.yaml'));
    expect(result.scenario.target.moduleSystem).toEqual({ kind: 'esm', why: `${join(app, 'package.json')} has "type": "module"` });
    expect(result.configs.find((c) => c.name === 'datadog@1')?.loading).toBe('--import dd-trace/initialize.mjs (ESM)');
    expect(result.configs.find((c) => c.name === 'newrelic')?.loading).toBe('--import newrelic/esm-loader.mjs --require newrelic (ESM)');
    for (const report of reports) expect(report.missing.filter((m) => m.framework), report.config).toEqual([]);

    expect(labelsOf(reports, 'datadog@1')).toEqual(expect.arrayContaining(['fastify.request (fastify)', 'pg.query (pg)']));
    expect(labelsOf(reports, 'sentry@1')).toEqual(expect.arrayContaining(['request_handler.fastify (auto.http.otel.fastify)', 'db (auto.db.otel.postgres)']));
    expect(labelsOf(reports, 'opentelemetry@1').some((l) => l.endsWith('(@opentelemetry/instrumentation-fastify)'))).toBe(true);
    expect(librariesOf(reports, 'opentelemetry@1')).toEqual(expect.arrayContaining(['fastify', 'pg', 'knex']));
    expect(librariesOf(reports, 'newrelic')).toEqual(expect.arrayContaining(['fastify', 'pg']));
  });

  it('the same app with its agents loaded the CommonJS way is reported with "did not attach", and its CommonJS build attaches', async () => {
    const forced = await instrumentation(scenario('forced', `  command: node dist/server.js\n  cwd: ${app}\n  moduleSystem: commonjs`, '  - datadog: { sampleRate: 1 }'));
    expect(labelsOf(forced.reports, 'datadog@1')).toContain('web.request (http)');
    expect(forced.reports[0]!.missing.filter((m) => m.framework).map((m) => m.module)).toEqual(['fastify']);
    expect(forced.text).toContain('⚠ datadog@1: dd-trace\'s fastify integration did not attach: none of its spans named fastify, so the overhead is likely under-measured');

    const cjs = await instrumentation(scenario('cjs', `  command: node cjs/server.js\n  cwd: ${app}`, '  - datadog: { sampleRate: 1 }'));
    expect(readOnlyResult(join(dir, 'out', 'cjs.yaml')).configs.find((c) => c.name === 'datadog@1')?.loading).toBe('--require dd-trace/init (CommonJS)');
    expect(labelsOf(cjs.reports, 'datadog@1')).toEqual(expect.arrayContaining(['fastify.request (fastify)', 'pg.query (pg)']));
  });
});
