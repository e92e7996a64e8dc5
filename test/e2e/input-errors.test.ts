import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickWorkload, root, runCli, tempDir, writeScenario } from '../helpers.js';

async function expectInputError(yaml: string, ...fragments: (string | RegExp)[]) {
  const dir = tempDir();
  const file = writeScenario(dir, 'bad.yaml', yaml);
  for (const command of ['validate', 'run']) {
    const { code, stdout, stderr } = await runCli([command, file, '--out', join(dir, 'out')].slice(0, command === 'run' ? 4 : 2));
    expect(code, `${command}: ${stderr}`).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(file);
    expect(stderr).not.toMatch(/\n\s+at /);
    for (const fragment of fragments) expect(stderr).toMatch(fragment);
  }
}

describe('bad scenarios give one clear error and exit 2', () => {
  it('names a field with the wrong type, with its line', async () => {
    await expectInputError(
      `workload:\n  routes: [{ path: /ping }]\n  rate: fast\ninstrumentations:\n  - name: none\n`,
      /bad\.yaml:3: workload\.rate: expected a number, got the string "fast"/,
    );
  });

  it('names an unknown field', async () => {
    await expectInputError(
      `${quickWorkload()}  warmpu: 2s\ninstrumentations:\n  - name: none\n`,
      /workload: unknown field "warmpu"/,
    );
  });

  it('refuses an agent\'s name on a config that loads nothing, and a bare agent name, with the entry that measures it', async () => {
    await expectInputError(
      `${quickWorkload()}instrumentations:\n  - name: none\n  - name: datadog\n  - sentry\n`,
      /bad\.yaml:\d+: instrumentations\.1\.name: "name: datadog" loads no agent: .* To measure the agent write "- datadog: \{\}"/,
      /instrumentations\.2: a bare value "sentry"; write "- sentry: \{\}" to measure that agent with its defaults/,
    );
  });

  it('names a missing preload file', async () => {
    await expectInputError(
      `${quickWorkload()}instrumentations:\n  - name: none\n  - name: tracer\n    preload: ./missing-tracer.cjs\n`,
      /instrumentations\.1\.preload: file not found: \.\/missing-tracer\.cjs/,
    );
  });

  it('refuses a fixed port in the co-scheduled design, and says what to do', async () => {
    await expectInputError(
      `target:\n  module: ${JSON.stringify(join(root, 'fixtures/fastify-app/server.js'))}\n  port: 3999\n${quickWorkload()}instrumentations:\n  - name: none\n  - name: other\n    env: { X: "1" }\n`,
      /target\.port: the co-scheduled design runs two targets at once, so they cannot share a fixed port\..*workload\.design: sequential/,
    );
  });

  it('refuses a result file from the old engine with a clear message', async () => {
    const dir = tempDir();
    const old = join(dir, 'old.json');
    writeFileSync(old, JSON.stringify({ schemaVersion: 1, tool: { name: 'apm-bench', version: '0.1.0' }, runs: [] }));
    for (const command of [['report', old], ['cost', old], ['compare', old, old]]) {
      const { code, stderr } = await runCli(command);
      expect(code, command.join(' ')).toBe(2);
      expect(stderr).toContain('a schema version 1 result, from the sequential engine of apm-bench 0.1');
      expect(stderr).toContain('re-run the scenario');
    }
  });

  it('names a malformed duration', async () => {
    await expectInputError(
      quickWorkload({ duration: 'soon' }) + 'instrumentations:\n  - name: none\n',
      /workload\.duration: expected a duration like "5s"/,
    );
  });

  it('reports a YAML syntax error with its position', async () => {
    await expectInputError('workload: [unclosed\n', /bad\.yaml:\d+:\d+: not valid YAML/);
  });

  it('requires the baseline to exist', async () => {
    await expectInputError(`${quickWorkload()}instrumentations:\n  - name: other\n`, /baseline: no instrumentation is named "none"/);
  });

  it('rejects an unknown flag as a usage error', async () => {
    const { code, stderr } = await runCli(['run', join(root, 'scenarios', 'quick.yaml'), '--roundz', '3']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--roundz'");
  });

  it('validates the bundled scenarios, the seed guides\' ones included', async () => {
    const dirs = [join(root, 'scenarios'), join(root, 'scenarios', 'seeds')];
    const files = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)));
    expect(files.filter((f) => f.includes('/seeds/')).length).toBe(5);
    const { code, stdout, stderr } = await runCli(['validate', ...files]);
    expect(code, stderr).toBe(0);
    for (const file of files) expect(stdout).toContain(`${file.split('/').pop()}: ok`);
  });
});

describe('bad vendor entries name the field inside the entry', () => {
  it('points at the vendor option, not at "no allowed form"', async () => {
    await expectInputError(
      `${quickWorkload()}instrumentations:\n  - name: none\n  - datadog: { sampleRate: 2 }\n  - sentry: { tracesSampleRat: 0.1 }\n  - name: mine\n    prelod: ./x.cjs\n`,
      /bad\.yaml:\d+: instrumentations\.1\.datadog\.sampleRate: Too big: expected number to be <=1/,
      /instrumentations\.2\.sentry: unknown field "tracesSampleRat"/,
      /instrumentations\.3: unknown field "prelod"/,
    );
  });
});
