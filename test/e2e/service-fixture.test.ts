import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachable, keptRuns, readOnlyResult, root, runCli, tempDir, writeScenario } from '../helpers.js';

const postgres = await reachable(5432);
const dir = tempDir('apm-bench-service-');

/** The production-like TypeScript service (built to dist/ by the build), started by a command as a user's app would be. */
const scenario = (name: string, login: string, instrumentations: string) => writeScenario(dir, `${name}.yaml`, `name: ${name}
target:
  command: node dist/server.js
  cwd: ${join(root, 'fixtures', 'service')}
  readyPath: /healthz
workload:
  login: ${login}
  routes:
    - { path: /catalogue, weight: 2 }
    - { path: /me, weight: 1, auth: true }
    - { path: /orders, weight: 1, auth: true }
  rate: 150
  primeRequests: 300
  warmup: 0.5s
  duration: 2s
  latencyDuration: 0.3s
  rounds: 1
instrumentations:
  - name: none
${instrumentations}
`);
const goodLogin = '{ path: /login, body: { username: bench, password: bench-password }, token: token }';

describe.skipIf(!postgres)(`the production-like service fixture${postgres ? '' : ' (skipped: PostgreSQL on 127.0.0.1:5432 not reachable)'}`, () => {
  it('logs in once per target and sends its JWT with the auth routes; dd-trace traces the PostgreSQL queries', async () => {
    const out = join(dir, 'ok');
    const { code, stderr } = await runCli(['run', scenario('service-ok', goodLogin, '  - datadog: { sampleRate: 1 }'), '--out', out]);
    expect(code, stderr).toBe(0);
    const runs = keptRuns(readOnlyResult(out).runs);
    for (const run of runs) {
      if (run.status !== 'measured') throw new Error(`${run.config} was ${run.status}`);
      expect(run.exclusions).toEqual([]);
      expect(run.load.failedByRoute).toEqual({});
      expect(Object.keys(run.load.statusByRoute).sort()).toEqual(['GET /catalogue', 'GET /me', 'GET /orders']);
      expect(Object.keys(run.load.statusByRoute['GET /orders']!)).toEqual(['200']);
    }
    const datadog = runs.find((run) => run.config === 'datadog@1');
    // An HTTP span per request, plus fastify, pg and JWT work on a quarter of them.
    if (datadog?.status === 'measured') expect(datadog.intake!.perRequest.spans).toBeGreaterThan(1.2);
  }, 120_000);
});

describe('login steps', () => {
  it('a login that fails names the step, its status and the answer, and the run says it broke (exit 4)', async () => {
    const out = join(dir, 'bad');
    const { code, stderr } = await runCli(['run', scenario('service-bad', '{ path: /login, body: { username: bench, password: wrong }, token: token }',
      '  - name: twin\n    env: { TWIN: "1" }'), '--out', out]);
    expect(code).toBe(4);
    expect(stderr).toContain('workload.login: POST /login answered 401 ({"error":"wrong username or password"}): check its path, body and headers');
  }, 60_000);

  it('a route marked auth without a login step is refused before any load', async () => {
    const file = scenario('service-nologin', goodLogin, '  - name: twin\n    env: { TWIN: "1" }');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/  login: .*\n/, ''));
    const { code, stderr } = await runCli(['validate', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('workload.routes.1.auth: the route needs a credential, and workload has no login step');
  });
});
