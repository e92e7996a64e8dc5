import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awkwardApp, runCli, writeScenario } from '../helpers.js';

/** The awkward app's scenario: its two rate-limited routes, the app's .env loaded as its start script would. */
function scenario(app: string, extra = ''): string {
  return writeScenario(app, 'apm-bench.yaml', `name: awkward
target:
  command: node server.js
  envFile: .env
${extra}workload:
  routes: [{ path: / }, { path: /items }]
  rate: 50
  duration: 1s
  rounds: 1
instrumentations:
  - name: none
  - name: twin
    env: { TWIN: "1" }
`);
}

describe('preflight: the baseline once, every route a few times, before any load', () => {
  it('refuses an app that rate-limits at 4 requests a minute, naming the route, the 429 and the setting to lift; run refuses it too and writes nothing', async () => {
    const app = awkwardApp();
    writeFileSync(join(app, '.env'), 'SESSION_SECRET=bench-secret\nRATE_LIMIT_MAX=4\n');
    const file = scenario(app);
    const { code, stderr } = await runCli(['validate', file, '--preflight']);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}: preflight: the baseline would fail every run of this session:`);
    expect(stderr).toMatch(/workload\.routes: GET \/items answered 200, 429, 429 to 3 requests: the app's rate limit \(x-ratelimit-limit: 4, .*retry-after: \d+\)/);
    expect(stderr).toContain('e.g. target.env: { RATE_LIMIT_MAX: "1000000" }');
    expect(stderr).not.toContain('GET / answered');

    const out = join(app, 'out');
    const run = await runCli(['run', file, '--out', out], { preflight: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('GET /items answered 200, 429, 429');
    expect(existsSync(out)).toBe(false);

    // With the limit lifted as the message says, the same scenario passes.
    const lifted = await runCli(['validate', scenario(app, '  env: { RATE_LIMIT_MAX: "1000000" }\n'), '--preflight']);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toContain('Preflight passed');
  }, 60_000);

  it('refuses a start command that does not start, and one that starts the app through another node process', async () => {
    const app = awkwardApp();
    writeFileSync(join(app, '.env'), 'SESSION_SECRET=bench-secret\nRATE_LIMIT_MAX=100\n');
    const file = scenario(app);
    const ok = await runCli(['validate', file, '--preflight']);
    expect(ok.code, ok.stderr).toBe(0);
    const edit = (from: string, to: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
    edit('node server.js', 'node dist/server.js');
    const gone = await runCli(['validate', file, '--preflight']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/target: the target exited with code 1; its last output:\n[\s\S]*Cannot find module '.*dist\/server\.js'/);

    // A wrapper, as tsx or nodemon are: a node process that starts the app as another.
    writeFileSync(join(app, 'wrapper.js'), "import { spawn } from 'node:child_process';\nspawn(process.execPath, ['server.js'], { stdio: 'inherit' });\n");
    edit('node dist/server.js', 'node wrapper.js');
    const wrapped = await runCli(['validate', file, '--preflight']);
    expect(wrapped.code).toBe(2);
    expect(wrapped.stderr).toMatch(/target: the process started \(pid \d+\) is not the one listening on the app's port \(pid \d+\): the command starts the app through a wrapper/);
  }, 60_000);
});
