import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awkwardApp, readOnlyResult, root, runCli, tempDir } from '../helpers.js';

const dir = tempDir('apm-bench-init-');

describe('apm-bench init', () => {
  it('discovers the service fixture\'s routes from onRoute, marks the ones that need a login, and writes a scenario that validates and runs', async () => {
    const file = join(dir, 'service.yaml');
    const { code, stdout, stderr } = await runCli(['init', join(root, 'fixtures', 'service'), '--output', file, '--params', 'id=17']);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('6 routes found; 2 GET routes in the mix (/catalogue, /catalogue/17)');
    expect(stdout).toContain('/me, /orders answered 401 without a credential');
    expect(stdout).toMatch(/It validates: none, datadog@1, opentelemetry@1/);
    const yaml = readFileSync(file, 'utf8');
    // Built TypeScript starts by command; the health route is the ready path, not part of the mix.
    expect(yaml).toContain('  command: node dist/server.js');
    expect(yaml).toContain('  readyPath: /healthz   # answered below 500');
    expect(yaml).toContain('    - { method: GET, path: /catalogue/17, weight: 2 }');
    expect(yaml).toContain('    # - { method: GET, path: /me, weight: 2, auth: true }   # answered 401 without a credential');
    // The login route is never sent; its body is sampled from the route's JSON schema.
    expect(yaml).toContain('  # login: { method: POST, path: /login, body: {"username":"example-value","password":"example-value"}, token: token }');
    expect(yaml).not.toMatch(/path: \/healthz, weight/);
    const out = join(dir, 'out');
    const ran = await runCli(['run', file, '--rounds', '1', '--duration', '1s', '--out', out]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(readOnlyResult(out).runs.every((run) => run.status === 'measured' && run.exclusions.length === 0)).toBe(true);
    // Filling in the login step the comments describe makes the authenticated routes usable.
    const withLogin = yaml.replace(/  # login: .*\n/, '  login: { path: /login, body: { username: bench, password: bench-password }, token: token }\n')
      .replace('    # - { method: GET, path: /me, weight: 2, auth: true }', '    - { method: GET, path: /me, weight: 2, auth: true }');
    writeFileSync(file, withLogin);
    const valid = await runCli(['validate', file]);
    expect(valid.code, valid.stderr).toBe(0);
  }, 120_000);

  it('a plain JavaScript app starts as a module; parameter routes without values are named, and an existing file is kept', async () => {
    const file = join(dir, 'fixture.yaml');
    const { code, stdout, stderr } = await runCli(['init', join(root, 'fixtures', 'fastify-app'), '--output', file]);
    expect(code, stderr).toBe(0);
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain('  module: server.js');
    expect(yaml).toContain('    - { method: GET, path: /json, weight: 2 }');
    expect(yaml).toMatch(/# - \{ method: GET, path: \/db\/items\/:id, weight: 1 \}   # needs a value for :id: apm-bench init --params id=…/);
    expect(stdout).toContain('/db/items/:id, /cache/:key need parameter values: --params id=…,key=…');
    const again = await runCli(['init', join(root, 'fixtures', 'fastify-app'), '--output', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; pass --force to overwrite it');
  }, 60_000);

  it('an app that never listens on PORT gets a message that says so, with its output', async () => {
    const app = join(dir, 'deaf');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(app);
    writeFileSync(join(app, 'server.js'), "console.log('listening on 8080, whatever PORT says'); setInterval(() => {}, 1000);\n");
    const { code, stderr } = await runCli(['init', app, '--timeout', '2']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/did not answer on PORT \d+ \(HOST 127\.0\.0\.1\) within 2 s\. It must listen on process\.env\.PORT and process\.env\.HOST\. Its last output:\nlistening on 8080/);
  }, 30_000);
});

describe('apm-bench init on an app that is not ready at once', () => {
  it('names the exit code, the app\'s own error and the missing .env; with the .env it waits out the 503s, names the rate limit and lifts it', async () => {
    const app = awkwardApp();
    const file = join(app, 'apm-bench.yaml');
    const failed = await runCli(['init', app, '--timeout', '10']);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain('the app exited with code 1 before it answered');
    expect(failed.stderr).toContain('It has .env.example but no .env: copy it to .env');
    expect(failed.stderr).toContain('config error: SESSION_SECRET is not set');

    writeFileSync(join(app, '.env'), 'SESSION_SECRET=bench-secret\nRATE_LIMIT_MAX=1\nDD_API_KEY=not-for-the-bench\n');
    const { code, stdout, stderr } = await runCli(['init', app, '--timeout', '10']);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/\/items answered 429: the app's rate limit \(.*x-ratelimit-limit: 1.*retry-after: \d+.*\)\. target\.env sets RATE_LIMIT_MAX \(from \.env\) high/);
    expect(stdout).toContain('It validates');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain('  envFile: .env');
    expect(yaml).toContain('  env: { RATE_LIMIT_MAX: "1000000" }');
    // Found despite the 503s of its first 1.5 s: the ready path and both routes.
    expect(yaml).toContain('  readyPath: /healthz');
    expect(yaml).toContain('    - { method: GET, path: /, weight: 2 }');
    expect(yaml).toContain('    - { method: GET, path: /items, weight: 2 }   # answered 429 (the app\'s rate limit)');
    // Sessions, not tokens: the login sends back the cookie the answer sets.
    expect(yaml).toMatch(/  # login: \{ method: POST, path: \/login, body: .* \}   # a session cookie/);
    expect(yaml).not.toContain('not-for-the-bench');
  }, 60_000);
});
