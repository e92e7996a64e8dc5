import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/samples/result.js';
import { fixtures, root, runCli, simulated, tempDir, writeScenario } from '../helpers.js';

describe('the CLI contract', () => {
  it('every command\'s help teaches: examples and the exit codes it can return', async () => {
    for (const command of ['run', 'validate', 'calibrate', 'compare', 'cost', 'pricing', 'report', 'schema', 'version']) {
      const { code, stdout } = await runCli([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout, command).toMatch(/Examples:\n\s+\$ apm-bench /);
      expect(stdout, command).toMatch(/Exit codes:\n\s+0 /);
    }
  });

  it('--version, -v and version all print the version', async () => {
    const version = (JSON.parse(readFileSync(join(fixtures, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    for (const args of [['--version'], ['-v'], ['version']]) {
      const { code, stdout } = await runCli(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout, args.join(' ')).toContain(version);
    }
  });

  it('run --json: one document on stdout, tables on stderr, overrides recorded, and a hostile name stays inside --out', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const file = writeScenario(dir, 's.yaml', `name: ../../../tmp/escape
workload:
  routes: [{ path: /ping }]
  rate: 300
  primeRequests: 500
  warmup: 0.3s
  duration: 3s
  latencyDuration: 0.3s
  rounds: 3
instrumentations:
  - name: none
  - name: noop
    preload: ${join(fixtures, 'noop.cjs')}
`);
    // Simulated (the document's wiring is the point); a real session's output is test/e2e/run.test.ts.
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out, '--json', '--rate', '120', '--duration', '1s', '--rounds', '1', '--report', 'md,html'],
      { env: simulated({}) });
    expect(code, stderr).toBe(0);
    const stem = readdirSync(out).find((f) => f.endsWith('.json'))!.replace(/\.json$/, '');
    expect(readdirSync(out).sort()).toEqual([`${stem}.html`, `${stem}.json`, `${stem}.md`]);
    const document = JSON.parse(stdout) as { resultFile: string; analysis: { estimates: unknown[] }; overrides: Record<string, string>; rows: Array<{ config: string }> };
    expect(stderr).toContain('noop');
    expect(document.resultFile.startsWith(`${out}/`)).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toEqual([document.resultFile.slice(out.length + 1)]);
    expect(document.resultFile.slice(out.length + 1)).toMatch(/^_.._.._tmp_escape-\d{8}-\d{6}\.json$/);
    expect(document.overrides).toEqual({ rate: '120', duration: '1s', rounds: '1', pin: 'false' });
    expect(document.rows.map((r) => r.config)).toEqual(['none', 'noop']);
    expect(document.analysis.estimates.length).toBeGreaterThan(0);
    const result = JSON.parse(readFileSync(document.resultFile, 'utf8')) as ResultDocument;
    expect(result.scenario.overrides).toEqual({ rate: '120', duration: '1s', rounds: '1', pin: 'false' });
    expect(result.environment.pinning).toEqual({ enabled: false, note: 'not pinned (pinCpus: false, or --no-pin)' });
    expect(result.design.ratesRps).toEqual([120]);
    expect(result.scenario.workload.duration).toBe(1000);
  });

  it('--report chooses the report files from one list of formats, and refuses one it does not know', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, 's.yaml', `name: formats\nworkload:\n  routes: [{ path: /ping }]\n  rate: 100\n  duration: 1s\n  rounds: 1\ninstrumentations:\n` +
      '  - name: none\n  - name: twin\n    env: { TWIN: "1" }\n');
    const none = await runCli(['run', file, '--out', join(dir, 'none'), '--report', 'none'], { env: simulated({}) });
    expect(none.code, none.stderr).toBe(0);
    expect(readdirSync(join(dir, 'none')).map((f) => f.split('.').pop())).toEqual(['json']);
    const bad = await runCli(['run', file, '--out', join(dir, 'bad'), '--report', 'md,pdf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--report: expected a comma-separated list of md, html, or "none"; got "pdf".');
  });

  it('the example workflow uses only commands and flags that exist', async () => {
    const { parse } = await import('yaml');
    const workflow = parse(readFileSync(join(root, 'examples', 'github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
    const commands = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ?? '').split('\n')))
      .map((line) => line.trim()).filter((line) => line.startsWith('npx apm-bench '));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      const [name, ...rest] = command.replace('npx apm-bench ', '').trim().split(/\s+/);
      const help = await runCli([name!, '--help']);
      expect(help.code, name).toBe(0);
      for (const flag of rest.filter((arg) => arg.startsWith('--'))) expect(help.stdout, `${name} ${flag}`).toContain(flag);
    }
  });

  it('an input error under --json is still one JSON document, with exit 2', async () => {
    const { code, stdout } = await runCli(['validate', join(fixtures, 'hostile', 'scenarios', 'npm-start.yaml'), '--json']);
    expect(code).toBe(2);
    const document = JSON.parse(stdout) as { ok: boolean; files: Array<{ ok: boolean; error: string }> };
    expect(document.ok).toBe(false);
    expect(document.files[0]!.error).toContain('npm');
    const bad = await runCli(['cost', join(fixtures, 'hostile', 'results', 'null.json'), '--json']);
    expect(bad.code).toBe(2);
    expect((JSON.parse(bad.stdout) as { error: { exitCode: number } }).error.exitCode).toBe(2);
  });
});
