import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instrumentationReports, libraryOf, tracedText } from '../../src/analysis/integrations.js';
import { datadog as datadogAdapter, tested as datadog } from '../../src/instrument/datadog.js';
import { tested as newrelic } from '../../src/instrument/newrelic.js';
import { tested as opentelemetry } from '../../src/instrument/opentelemetry.js';
import { tested as prometheus } from '../../src/instrument/prometheus.js';
import { tested as sentry } from '../../src/instrument/sentry.js';
import { adapters } from '../../src/instrument/registry.js';
import { resolveAgent, resolvePackageVersion } from '../../src/instrument/resolve-agent.js';
import { commandScript, declaredLibraries, detectModuleSystem } from '../../src/scenario/module-system.js';
import type { ResultDocument } from '../../src/samples/result.js';
import { root, tempDir } from '../helpers.js';

describe('which library made a span, from each vendor\'s own label', () => {
  it.each([
    ['fastify.request (fastify)', 'fastify'], ['web.request (http)', 'http'], ['pg.query (pg)', 'pg'], ['mysql.query (mysql2)', 'mysql2'],
    ['redis.command (ioredis)', 'ioredis'], ['request_handler.fastify (auto.http.otel.fastify)', 'fastify'], ['db (auto.db.otel.postgres)', 'pg'],
    ['http.server (auto.http.otel.http)', 'http'], ['select test (@opentelemetry/instrumentation-knex)', 'knex'],
    ['GET (@opentelemetry/instrumentation-http)', 'http'], ['Datastore/statement/Postgres (Postgres)', 'pg'],
    ['WebTransaction/WebFrameworkUri/Fastify (transaction)', 'fastify'], ['custom.work (manual)', undefined],
  ])('%s → %s', (label, library) => {
    expect(libraryOf(label)).toBe(library);
  });
});

/** A measured run as the result records it, with only what the instrumentation report reads. */
function run(config: string, spanNames: Record<string, number>, requests: number) {
  const spans = Object.values(spanNames).reduce((a, b) => a + b, 0);
  return { config, status: 'measured', intake: { items: { spans }, perRequest: { spans: spans / requests }, spanNames } };
}

function result(uses: string[], runs: unknown[]): Pick<ResultDocument, 'runs' | 'configs' | 'scenario'> {
  return {
    scenario: { baseline: 'none', target: { kind: 'command', path: 'node dist/server.js', uses } },
    configs: [
      { name: 'none', kind: 'none', preloads: [], options: {}, envKeys: [] },
      { name: 'datadog@1', kind: 'datadog', preloads: [], options: {}, envKeys: [], agent: { package: 'dd-trace', version: '5.132.0', from: 'apm-bench' },
        loading: '--require dd-trace/init (CommonJS)', instruments: ['fastify', 'http', 'pg', 'mysql2'] },
    ],
    runs,
  } as unknown as Pick<ResultDocument, 'runs' | 'configs' | 'scenario'>;
}

describe('what each agent instrumented', () => {
  it('counts spans per request by library, averaged over runs, and names the top span labels', () => {
    const [report] = instrumentationReports(result(['fastify', 'pg'], [
      run('datadog@1', { 'fastify.request (fastify)': 100, 'pg.query (pg)': 50 }, 100),
      run('datadog@1', { 'fastify.request (fastify)': 200, 'pg.query (pg)': 200 }, 200),
    ]));
    expect(report!.libraries).toEqual([{ module: 'fastify', spansPerRequest: 1 }, { module: 'pg', spansPerRequest: 0.75 }]);
    expect(report!.spansPerRequest).toBe(1.75);
    expect(report!.missing).toEqual([]);
    expect(tracedText(report!)).toBe('dd-trace traced: fastify, pg (1.8 spans/request)');
  });

  it('an agent that sends transactions, not spans (New Relic), is counted by its named items, not as "0.0 spans/request"', () => {
    const transactions = { config: 'datadog@1', status: 'measured', intake: {
      items: { transactions: 600 }, perRequest: { transactions: 1 }, spanNames: { 'WebTransaction/WebFrameworkUri/Fastify (transaction)': 600 },
    } };
    const [report] = instrumentationReports(result(['fastify'], [transactions]));
    expect(report!.spansPerRequest).toBe(0);
    expect(report!.namedPerRequest).toBe(1);
    expect(tracedText(report!)).toBe('dd-trace traced: fastify (1.0 named items/request, no spans)');
  });

  it('a framework the app uses with no span is a certain miss; a driver with none may be a route that never queries', () => {
    const [report] = instrumentationReports(result(['fastify', 'pg', 'knex'], [run('datadog@1', { 'web.request (http)': 100 }, 100)]));
    expect(report!.missing.map((m) => [m.module, m.framework])).toEqual([['fastify', true], ['pg', false]]);
    expect(report!.missing[0]!.text).toBe('dd-trace\'s fastify integration did not attach: none of its spans named fastify, so the overhead is likely ' +
      'under-measured (loaded with --require dd-trace/init (CommonJS)).');
    expect(report!.missing[1]!.text).toContain('dd-trace sent no pg spans although the app depends on pg');
  });

  it('says nothing of libraries the app does not declare, nor of a config whose intake recorded no span labels', () => {
    expect(instrumentationReports(result([], [run('datadog@1', { 'web.request (http)': 100 }, 100)]))[0]!.missing).toEqual([]);
    expect(instrumentationReports(result(['fastify'], [{ config: 'datadog@1', status: 'measured', intake: { items: {}, perRequest: {} } }]))).toEqual([]);
  });
});

describe('the module system, by Node\'s rule', () => {
  it('reads the extension, then the nearest package.json "type"', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'esm', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'esm', 'package.json'), JSON.stringify({ type: 'module', dependencies: { fastify: '5', knex: '3', lodash: '4' } }));
    writeFileSync(join(dir, 'esm', 'dist', 'server.js'), '');
    expect(detectModuleSystem(join(dir, 'esm', 'dist', 'server.js'))).toEqual({ kind: 'esm', why: `${join(dir, 'esm', 'package.json')} has "type": "module"` });
    expect(detectModuleSystem(join(dir, 'esm', 'dist', 'server.cjs')).kind).toBe('commonjs');
    expect(detectModuleSystem(join(dir, 'server.mjs')).kind).toBe('esm');
    expect(detectModuleSystem(join(root, 'fixtures', 'fastify-app', 'server.js')).kind).toBe('commonjs');
    expect(detectModuleSystem(join(root, 'fixtures', 'esm-service', 'dist', 'server.js')).kind).toBe('esm');
    expect(detectModuleSystem(join(root, 'fixtures', 'esm-service', 'cjs', 'server.js')).kind).toBe('commonjs');
    expect(declaredLibraries(join(dir, 'esm', 'dist'))).toEqual(['fastify', 'knex']);
  });

  it('finds the script a node command runs, past its flags', () => {
    const cwd = join(root, 'fixtures', 'esm-service');
    expect(commandScript(['node', '--enable-source-maps', '--env-file', '.env', 'dist/server.js'], cwd)).toBe(join(cwd, 'dist', 'server.js'));
    expect(commandScript(['tsx', 'src/server.ts'], cwd)).toBeUndefined();
  });
});

describe('where an agent comes from', () => {
  it('an app without the agent gets the tested version from apm-bench\'s cache, never a copy added to its own tree', () => {
    const app = tempDir();
    const resolved = resolveAgent('apm-bench-no-such-agent', { targetDir: app }, { 'apm-bench-no-such-agent': '1.2.3', 'apm-bench-its-companion': '4.5.6' });
    expect(resolved).toMatchObject({ from: 'cache', why: 'tested', version: '1.2.3', install: ['apm-bench-no-such-agent@1.2.3', 'apm-bench-its-companion@4.5.6'] });
    expect(resolved.dir.startsWith(app)).toBe(false);
    expect(() => resolveAgent('apm-bench-no-such-agent', { targetDir: app })).toThrow(/cannot find the package "apm-bench-no-such-agent"/);
  });

  it('the tested versions are the ones apm-bench\'s own development tree holds, so a clone and an install measure the same agents', () => {
    for (const bundle of [datadog, sentry, newrelic, prometheus, opentelemetry]) {
      for (const [name, version] of Object.entries(bundle)) expect(`${name}@${resolvePackageVersion(name, root)?.version}`).toBe(`${name}@${version}`);
    }
  });

  it('an ES module app whose dd-trace the cache has yet to install gets its --import entry, checked by the install, not before', () => {
    const ctx = { scenarioDir: root, targetDir: tempDir(), pinned: { 'dd-trace': '5.999.0' }, moduleSystem: 'esm' as const };
    const [config] = datadogAdapter.expand({ datadog: { sampleRate: 1, env: {} } }, ctx);
    expect(config!.agent).toMatchObject({ from: 'cache', why: 'pinned', version: '5.999.0' });
    expect(config!.preloads[0]!.endsWith('/node_modules/dd-trace/initialize.mjs')).toBe(true);
    expect(config!.loading).toBe('--import dd-trace/initialize.mjs (ESM)');
  });

  it('no agent and no fixture-only library is a published dependency of apm-bench', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const agents = [...adapters.flatMap((a) => a.packages), ...Object.keys(opentelemetry), ...Object.keys(sentry)];
    const fixtureOnly = ['fastify', 'pg', 'ioredis', 'knex', '@fastify/session', '@fastify/rate-limit'];
    expect(Object.keys(manifest.dependencies).filter((name) => agents.includes(name) || fixtureOnly.includes(name) || name.startsWith('@opentelemetry/'))).toEqual([]);
  });
});
