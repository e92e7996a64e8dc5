import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/samples/analysis.js';
import type { ResultDocument } from '../../src/samples/result.js';
import { root, tempDir } from '../helpers.js';

/** The version the user's app pins, on purpose not the one apm-bench bundles: the app's own copy must be the one measured. */
const APP_DD_TRACE = '5.80.0';

function sh(command: string, args: string[], cwd: string, timeoutMs = 240_000, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, CI: '1', npm_config_audit: 'false', npm_config_fund: 'false', ...env }, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('installed in someone else\'s repository', () => {
  it('npm pack, install into an ES module service with its own dd-trace: the install adds no agent, and the app\'s dd-trace is the one measured', async () => {
    const work = tempDir('apm-bench-install-');
    // 1. the package as npm would publish it (npm test built dist/ already: prepack's build is skipped)
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
    const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^apm-bench-\d+\.\d+\.\d+\.tgz$/);
    const listing = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing).toContain('package/pricing/default.yaml');
    expect(listing).toContain('package/preloads/sentry.mjs');
    expect(listing).not.toContain('package/test/');

    // 2. a small ES module service of the user's own, with its own dd-trace and nothing else of an agent's
    const app = join(work, 'my-service');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-service', version: '1.0.0', private: true, type: 'module', main: 'server.js' }, null, 2));
    writeFileSync(join(app, 'server.js'), `import Fastify from 'fastify';
const fastify = Fastify();
fastify.get('/healthz', async () => ({ ok: true }));
fastify.get('/orders/:id', async (request) => ({ id: request.params.id, items: [1, 2, 3].map((n) => ({ n, sku: 'SKU-' + n })) }));
await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
`);
    const install = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'fastify@5', `dd-trace@${APP_DD_TRACE}`, join(work, tarball)], app);
    expect(install.code, install.stderr).toBe(0);
    // The install added apm-bench and its own few libraries, and no agent: the app's dd-trace is the only one.
    const ls = await sh('npm', ['ls', '--all', '--parseable', 'dd-trace', '@sentry/node', 'newrelic', 'prom-client', '@opentelemetry/sdk-node', 'pg', 'ioredis'], app);
    expect(ls.stdout.trim().split('\n').map((line) => line.slice(app.length + 1))).toEqual(['node_modules/dd-trace']);

    // 3. the user's scenario, checked and run with the installed CLI
    writeFileSync(join(app, 'apm-bench.yaml'), `name: my-service
target:
  module: ./server.js
workload:
  routes: [{ path: /orders/42 }]
  rate: 150
  primeRequests: 500
  warmup: 0.5s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 1
instrumentations:
  - name: none
  - datadog: { sampleRate: 1 }
  - sentry: { tracesSampleRate: 1 }
`);
    const cache = join(work, 'cache');
    const validate = await sh('npx', ['--no-install', 'apm-bench', 'validate', 'apm-bench.yaml'], app, 240_000, { APM_BENCH_CACHE: cache });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain(`dd-trace ${APP_DD_TRACE} from the app`);
    expect(validate.stdout).toContain('@sentry/node 10.75.3 from apm-bench\'s agent cache, the version apm-bench is tested with: the app has none, installed on the first run');

    // Only the app's own agent runs here: Sentry would install into the cache from the registry.
    writeFileSync(join(app, 'apm-bench.yaml'), readFileSync(join(app, 'apm-bench.yaml'), 'utf8').replace('  - sentry: { tracesSampleRate: 1 }\n', ''));
    const run = await sh('npx', ['--no-install', 'apm-bench', 'run', 'apm-bench.yaml', '--json', '--output', 'out/result.json'], app);
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as { resultFile: string; analysis: Analysis; exitCode: number };
    expect(document.exitCode).toBe(0);
    expect(document.resultFile).toBe(join(app, 'out', 'result.json'));
    const result = JSON.parse(readFileSync(document.resultFile, 'utf8')) as ResultDocument;
    const datadog = result.configs.find((config) => config.name === 'datadog@1')!;
    expect(datadog.agent).toMatchObject({ package: 'dd-trace', version: APP_DD_TRACE, from: 'target' });
    expect(datadog.loading).toBe('--import dd-trace/initialize.mjs (ESM)');
    const measured = result.runs.filter((r) => r.config === 'datadog@1' && r.status === 'measured');
    expect(measured.length).toBe(1);
    expect(measured[0]!.status === 'measured' && measured[0]!.intake?.items.spans).toBeGreaterThan(0);
    // The app's fastify integration attached through the ESM path.
    expect(document.analysis.instrumentation?.[0]?.libraries.map((l) => l.module)).toContain('fastify');
  });
});
