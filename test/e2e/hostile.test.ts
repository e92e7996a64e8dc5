import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, root, runCli, type CliResult } from '../helpers.js';
import { poisonedResults } from '../fixtures/hostile/poisoned-results.js';

/**
 * A corpus of hostile inputs: every one is an input problem, so each must exit
 * 2 with one message naming the file and the thing, never exit 4, a stack
 * trace or "bug" wording. Scenario files say what the message must contain on
 * their first line ("# expect: …").
 */
const corpus = join(fixtures, 'hostile');
const scenarios = readdirSync(join(corpus, 'scenarios')).sort();
const results = readdirSync(join(corpus, 'results')).sort();
const pricingFiles = readdirSync(join(corpus, 'pricing')).sort();
const budgetsFiles = readdirSync(join(corpus, 'budgets')).sort();
const egressFiles = readdirSync(join(corpus, 'egress')).sort();
const Z400 = '0'.repeat(400);

function expected(file: string): string {
  try {
    return /^# expect: (.*)$/m.exec(readFileSync(file, 'utf8').split('\n')[0] ?? '')?.[1] ?? '';
  } catch {
    return ''; // a directory
  }
}

function expectInputError(what: string, result: CliResult, ...fragments: string[]): void {
  expect(result.code, `${what}\n${result.stderr}`).toBe(2);
  expect(result.stderr, what).not.toMatch(/bug in apm-bench|internal error|\n\s+at \S+ \(/);
  for (const fragment of fragments) expect(result.stderr, what).toContain(fragment);
}

/** Many CLI processes, three at a time: more would crowd the real-target test files running beside this one (a dd-trace run there lost its spans at load average 9). */
async function each<T>(items: readonly T[], work: (item: T) => Promise<void>, parallel = 3): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

describe('hostile inputs: every one exits 2 with a message that names the thing', () => {
  it(`validate refuses each of ${scenarios.length} hostile scenarios`, async () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
    // All at once: validate checks every file and says per file whether it was an input problem or a bug.
    const all = await runCli(['validate', '--json', ...scenarios.map((name) => join(corpus, 'scenarios', name))]);
    expect(all.code, all.stderr).toBe(2);
    expect(all.stderr).not.toMatch(/bug in apm-bench|internal error|\n\s+at \S+ \(/);
    const document = JSON.parse(all.stdout) as { files: Array<{ file: string; ok: boolean; bug?: boolean; error?: string }> };
    expect(document.files.length).toBe(scenarios.length);
    for (const result of document.files) {
      expect(result.ok, result.file).toBe(false);
      expect(result.bug, result.file).toBeUndefined();
      expect(result.error, result.file).toContain(result.file);
      expect(result.error, result.file).toContain(expected(result.file));
    }
    // And one at a time, as a user meets them, for a sample.
    await each(scenarios.filter((_, i) => i % 5 === 0), async (name) => {
      const file = join(corpus, 'scenarios', name);
      expectInputError(name, await runCli(['validate', file]), file, expected(file));
    });
  });

  it('run refuses them too, before any load (a sample of them)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apm-bench-hostile-'));
    await each(scenarios.filter((_, i) => i % 6 === 0), async (name) => {
      const file = join(corpus, 'scenarios', name);
      const result = await runCli(['run', file, '--out', out]);
      expectInputError(`run ${name}`, result, expected(file));
      expect(result.stdout, name).toBe('');
    });
    expect(readdirSync(out)).toEqual([]);
  });

  it('validate checks every file and reports all of them, valid ones included', async () => {
    const files = [join(corpus, 'scenarios', 'npm-start.yaml'), join(fixtures, '..', '..', 'scenarios', 'quick.yaml'), join(corpus, 'scenarios', 'alias-bomb.yaml')];
    const result = await runCli(['validate', ...files, '--json']);
    expectInputError('three files', result, 'npm-start.yaml', 'alias-bomb.yaml');
    const document = JSON.parse(result.stdout) as { ok: boolean; files: Array<{ file: string; ok: boolean }> };
    expect(document.ok).toBe(false);
    expect(document.files.map((f) => f.ok)).toEqual([false, true, false]);
  });

  it(`cost, report and compare refuse each of ${results.length} hostile result files`, async () => {
    const good = join(corpus, '..', '..', '..', 'test', 'fixtures', 'hostile', 'results', 'null.json');
    await each(results, async (name) => {
      const file = join(corpus, 'results', name);
      for (const args of [['cost', file], ['report', file, '--out', mkdtempSync(join(tmpdir(), 'apm-bench-r-'))], ['compare', file, good]]) {
        expectInputError(`${args[0]} ${name}`, await runCli(args), file);
      }
    });
  });

  it(`cost, report and compare refuse each of ${poisonedResults.length} poisoned result files, naming the JSON path`, async () => {
    expect(poisonedResults.length).toBeGreaterThanOrEqual(50);
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-poisoned-'));
    const source = join(root, 'test', 'fixtures', 'results', 'agents.json');
    const text = readFileSync(source, 'utf8');
    const files = poisonedResults.map((poison, i) => {
      let serialised = text;
      if (poison.set) {
        const doc = JSON.parse(text) as Record<string, unknown>;
        for (const [path, value] of poison.set) {
          const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], doc);
          if (value === undefined) delete parent[path.at(-1)!];
          else parent[path.at(-1)!] = value;
        }
        serialised = JSON.stringify(doc, null, 2);
      }
      if (poison.raw) {
        expect(serialised, poison.name).toContain(poison.raw[0]);
        serialised = serialised.replace(poison.raw[0], poison.raw[1]);
      }
      const file = join(dir, `poisoned-${i}.json`);
      writeFileSync(file, serialised);
      return { file, poison };
    });
    await each(files, async ({ file, poison }) => {
      expectInputError(`cost: ${poison.name}`, await runCli(['cost', file]), file, poison.expect);
    });
    // report and compare read through the same loader: a sample of them.
    await each(files.filter((_, i) => i % 7 === 0), async ({ file, poison }) => {
      expectInputError(`report: ${poison.name}`, await runCli(['report', file, '--out', dir]), file, poison.expect);
      expectInputError(`compare: ${poison.name}`, await runCli(['compare', source, file]), file, poison.expect);
    });
  });

  it(`cost refuses each of ${pricingFiles.length} hostile pricing files, naming the field`, async () => {
    const result = join(root, 'test', 'fixtures', 'results', 'agents.json');
    await each(pricingFiles, async (name) => {
      const file = join(corpus, 'pricing', name);
      expectInputError(name, await runCli(['cost', result, '--pricing', file]), file, expected(file));
    });
  });

  it(`run refuses each of ${budgetsFiles.length} hostile budgets files before any load, within a second or so`, async () => {
    const scenario = join(corpus, 'targets', 'noop-scenario.yaml');
    const out = mkdtempSync(join(tmpdir(), 'apm-bench-budgets-'));
    await each(budgetsFiles, async (name) => {
      const file = join(corpus, 'budgets', name);
      const started = Date.now();
      const result = await runCli(['run', scenario, '--budgets', file, '--out', out]);
      expectInputError(name, result, file, expected(file));
      expect(result.stdout, name).toBe('');
      expect(Date.now() - started, name).toBeLessThan(5_000);
    });
    expect(readdirSync(out)).toEqual([]);
  });

  it('numbers out of bounds are refused with the bound named: nothing overflows into a bill or a session', async () => {
    const quick = join(fixtures, '..', '..', 'scenarios', 'quick.yaml');
    const result = join(root, 'test', 'fixtures', 'results', 'agents.json');
    const cases: Array<[string[], string]> = [
      [['cost', result, '--traffic', '1e308'], '--traffic'],
      [['cost', result, '--traffic', `1${Z400}`], 'at most 1e+15 requests a month'],
      [['cost', result, '--traffic', `100rps,peak=1${Z400}rps`], 'peak: more than 0 and at most 1e+9 req/s'],
      [['cost', result, '--utilization', '1e-320'], '--utilization: expected a fraction from 0.01 to 1'],
      [['cost', result, '--utilization', 'Infinity'], '--utilization: expected a fraction from 0.01 to 1'],
      [['cost', result, '--utilization', ''], '--utilization'],
      [['cost', result, '--instance', 'fargate', '--vcpu', '1e-320'], '--vcpu: expected vCPUs from 0.25 to 16'],
      [['cost', result, '--instance', 'fargate', '--memory', '1e400'], '--memory: expected GiB from 0.5 to 120'],
      [['cost', result, '--instances', '1e9'], '--instances: expected a whole number from 1 to 1000000'],
      [['cost', result, '--instances', '2.5'], '--instances'],
      [['cost', result, '--newrelic-seats', '1e300'], '--newrelic-seats'],
      [['cost', result, '--scrape-interval', '100000h'], '--scrape-interval: expected a duration from 1s to 1h'],
      [['cost', result, '--indexed-fraction', 'NaN'], '--indexed-fraction: expected a fraction from 0 to 1'],
      [['cost', result, '--error-indexed-fraction', '2'], '--error-indexed-fraction'],
      // Names every object has: looked up on the prototype, they passed the check and crashed in the bill (exit 4).
      [['cost', result, '--instance', 'toString'], '--instance: "toString" is not in the pricing file'],
      [['cost', result, '--instance', '__proto__'], '--instance: "__proto__" is not in the pricing file'],
      [['cost', result, '--datadog-plan', 'constructor'], '--datadog-plan: "constructor" is not in the pricing file'],
      [['cost', result, '--sentry-plan', 'hasOwnProperty'], '--sentry-plan: "hasOwnProperty" is not in the pricing file'],
      [['compare', result, result, '--max-regression', `1${Z400}%`], '--max-regression: at most 10000%'],
      [['run', quick, '--rounds', '1e9'], '--rounds: expected a whole number from 1 to 500'],
      [['run', quick, '--rounds', '501'], '--rounds'],
      [['calibrate', quick, '--rounds', '1e9'], '--rounds: expected a whole number from 3 to 500'],
      [['run', quick, '--rate', '0'], '--rate'],
      [['run', quick, '--rate', 'Infinity'], '--rate'],
      [['run', quick, '--rate', `1${Z400}`], '--rate'],
      [['run', quick, '--duration', '1e400'], '--duration'],
      [['run', quick, '--connections', '-1'], '--connections'],
      [['run', quick, '--profile', '--profile-interval', '0'], 'profile'],
    ];
    await each(cases, async ([args, fragment]) => {
      expectInputError(args.join(' ').slice(0, 120), await runCli(args), fragment);
    });
  });

  it('writes only where asked: a symlinked --out is refused, and a link planted where a report goes is replaced, never written through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-links-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'apm-bench-elsewhere-'));
    const link = join(dir, 'reports-link');
    symlinkSync(elsewhere, link);
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), dangling);
    const quick = join(fixtures, '..', '..', 'scenarios', 'quick.yaml');
    const result = join(root, 'test', 'fixtures', 'results', 'agents.json');
    for (const args of [['report', result, '--out', link], ['run', quick, '--out', link], ['calibrate', quick, '--out', link], ['report', result, '--out', dangling]]) {
      expectInputError(args.join(' '), await runCli(args), `--out ${args[3]}: a symbolic link (to `);
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    // Links planted at the report's own names, pointing at files that must survive.
    const out = join(dir, 'out');
    mkdirSync(out);
    const victims = ['md', 'html', 'json'].map((ext) => {
      const victim = join(elsewhere, `victim.${ext}`);
      writeFileSync(victim, 'keep me');
      symlinkSync(victim, join(out, `agents.${ext}`));
      return victim;
    });
    const report = await runCli(['report', result, '--out', out]);
    expect(report.code, report.stderr).toBe(0);
    for (const victim of victims) expect(readFileSync(victim, 'utf8'), victim).toBe('keep me');
    for (const ext of ['md', 'html', 'json']) expect(lstatSync(join(out, `agents.${ext}`)).isFile(), ext).toBe(true);
    // The gate's files too.
    const junitVictim = join(elsewhere, 'victim.xml');
    writeFileSync(junitVictim, 'keep me');
    symlinkSync(junitVictim, join(out, 'junit.xml'));
    const compare = await runCli(['compare', result, result, '--junit', join(out, 'junit.xml')]);
    expect([0, 1, 3], compare.stderr).toContain(compare.code);
    expect(readFileSync(junitVictim, 'utf8')).toBe('keep me');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it(`validate refuses each of ${egressFiles.length} scenarios that would open a route off this machine, naming the variable and the route`, async () => {
    const all = await runCli(['validate', '--json', ...egressFiles.map((name) => join(corpus, 'egress', name))]);
    expect(all.code, all.stderr).toBe(2);
    const document = JSON.parse(all.stdout) as { files: Array<{ file: string; ok: boolean; bug?: boolean; error?: string }> };
    expect(document.files.length).toBe(egressFiles.length);
    for (const result of document.files) {
      expect(result.ok, result.file).toBe(false);
      expect(result.bug, result.file).toBeUndefined();
      expect(result.error, result.file).toContain(expected(result.file));
    }
    // And what is not a route is accepted: NO_PROXY, switches that are off, vendor keys in the env file (removed at launch).
    const ok = await runCli(['validate', join(corpus, 'targets', 'egress-ok.yaml')]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a FIFO, a device or a directory given as a scenario, result, pricing or budgets file is refused at once, never read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-fifo-'));
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const quick = join(fixtures, '..', '..', 'scenarios', 'quick.yaml');
    const result = join(root, 'test', 'fixtures', 'results', 'agents.json');
    const cases: Array<[string[], string]> = [
      [['validate', fifo], `${fifo}: not a regular file`],
      [['report', fifo, '--out', dir], `${fifo}: not a regular file`],
      [['cost', fifo], `${fifo}: not a regular file`],
      [['compare', result, fifo], `${fifo}: not a regular file`],
      [['cost', result, '--pricing', fifo], `${fifo}: not a regular file`],
      [['cost', result, '--pricing', '/dev/zero'], '/dev/zero: not a regular file'],
      [['run', quick, '--budgets', fifo, '--out', dir], `${fifo}: not a regular file`],
      [['cost', dir], `${dir}: a directory`],
    ];
    await each(cases, async ([args, fragment]) => {
      const started = Date.now();
      expectInputError(args.join(' '), await runCli(args), fragment);
      // Refused before any read: a read would block on the FIFO until the test's timeout.
      expect(Date.now() - started, args.join(' ')).toBeLessThan(5_000);
    });
  });

  it('bad flags and odd arguments: stdin, a file as --out, overrides out of bounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-flags-'));
    const aFile = join(dir, 'not-a-dir');
    writeFileSync(aFile, 'x');
    const quick = join(fixtures, '..', '..', 'scenarios', 'quick.yaml');
    const cases: Array<[string[], string]> = [
      [['run', quick, '--out', aFile], 'is a file'],
      [['calibrate', quick, '--out', aFile], 'is a file'],
      [['run', quick, '--rate', '1e12'], '--rate'],
      [['run', quick, '--rate', 'fast'], '--rate'],
      [['run', quick, '--duration', '0'], '--duration'],
      [['run', quick, '--soak', '5s'], '--soak'],
      [['run', quick, '--connections', '100000'], '--connections'],
      [['run', quick, '--rounds', '2.5'], '--rounds'],
      [['run', quick, '--output', join(dir, 'result.txt')], '--output'],
      [['run', quick, quick, '--output', join(dir, 'r.json')], '--output'],
      [['run', quick, '--inconclusive', 'maybe'], '--inconclusive'],
      [['cost', join(corpus, 'results', 'null.json'), '--traffic', 'lots'], '--traffic'],
      [['validate', '-'], '-'],
      [['frobnicate'], 'frobnicate'],
      [['run', quick, '--out', ''], '--out: an empty path'],
      [['run', quick, '--out', '/dev/null/sub'], '--out /dev/null/sub: /dev/null is not a directory'],
      [['run', quick, '--gate', '--junit', '/dev/null'], '--junit /dev/null: exists and is not a regular file'],
      [['run', quick, '--gate', '--markdown', dir], `--markdown ${dir}: exists and is not a regular file`],
      [['run', quick, '--output', ''], '--output: an empty path'],
      [['compare', join(root, 'test', 'fixtures', 'results', 'agents.json'), join(root, 'test', 'fixtures', 'results', 'agents.json'), '--junit', '/dev/null/x.xml'],
        '--junit /dev/null/x.xml: /dev/null is not a directory'],
    ];
    await each(cases, async ([args, fragment]) => {
      expectInputError(args.join(' '), await runCli(args), fragment);
    });
  });
});
