import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers.js';

/**
 * Every output at the edges of what is accepted: traffic, fleet and prices at their bounds, and results whose figures
 * are tiny or huge. No output may print NaN, Infinity, ∞ or undefined: a bill a finance team reads must be a number.
 */
const source = join(root, 'test', 'fixtures', 'results', 'agents.json');
const forbidden = /NaN|Infinity|∞|\bundefined\b/;

function variant(dir: string, name: string, change: (doc: any) => void): string {
  const doc = JSON.parse(readFileSync(source, 'utf8'));
  change(doc);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

function expectClean(what: string, text: string): void {
  const line = text.split('\n').find((l) => forbidden.test(l));
  expect(line, `${what} printed: ${line}`).toBeUndefined();
}

describe('outputs at the extremes never print NaN, ∞ or undefined', () => {
  it('cost, report and compare, every format, from bounds and odd results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-extremes-'));
    const pricing = join(dir, 'pricing.yaml');
    // Every price at its bound and the shortest month allowed.
    writeFileSync(pricing, [
      'hoursPerMonth: { value: 1 }',
      'datadog: { ingestedGBOverage: { value: 1000000000000 }, indexedPerMillionOverage: { value: 1000000000000 }, customMetricsPer100: { value: 0 } }',
      'compute: { fargateVcpuHour: { value: 1000000000000 }, fargateGBHour: { value: 0 } }',
    ].join('\n'));
    const results = [
      source,
      // Tiny figures: a baseline that costs almost nothing, so ratios are huge.
      variant(dir, 'tiny', (d) => { for (const r of d.runs) if (r.status === 'measured' && r.side === 'baseline') { r.cpuMsPerRequest = 1e-9; r.cpuMsPerSecond = 1e-7; } }),
      // Huge figures and a huge rate.
      variant(dir, 'huge', (d) => {
        d.design.ratesRps = [1_000_000];
        for (const r of d.runs) {
          r.offeredRps = 1_000_000;
          if (r.status === 'measured') { r.cpuMsPerRequest *= 1e6; r.rssMeanBytes *= 1e6; r.latencyUs.p99 *= 1e6; }
        }
      }),
      // Every candidate run failed: no estimate for any of them.
      variant(dir, 'no-candidates', (d) => {
        d.runs = d.runs.map((r: any) => (r.side === 'candidate'
          ? { ...Object.fromEntries(['index', 'unit', 'round', 'pair', 'config', 'side', 'slot', 'offeredRps', 'startedAt'].map((k) => [k, r[k]])), status: 'failed', failure: { reason: 'crashed', outputTail: '' } }
          : r));
      }),
    ];
    const flagSets = [
      ['--traffic', '1000000000000000'],
      ['--traffic', '1rps,peak=1000000000rps', '--utilization', '0.01', '--instances', '1000000'],
      ['--traffic', '1', '--instance', 'fargate', '--vcpu', '0.25', '--memory', '0.5'],
      ['--traffic', '500M', '--pricing', pricing, '--instance', 'fargate', '--vcpu', '16', '--memory', '120'],
    ];
    const work: Array<() => Promise<void>> = [];
    for (const result of results) {
      const name = result.split('/').at(-1)!;
      for (const flags of flagSets) {
        work.push(async () => {
          const what = `${name} ${flags.join(' ')}`;
          const text = await runCli(['cost', result, ...flags]);
          expect(text.code, `${what}\n${text.stderr}`).toBe(0);
          expectClean(`cost ${what}`, text.stdout);
          expectClean(`cost --json ${what}`, (await runCli(['cost', result, ...flags, '--json'])).stdout);
        });
      }
      work.push(async () => {
        const out = mkdtempSync(join(dir, 'report-'));
        const report = await runCli(['report', result, '--out', out, ...flagSets[1]!]);
        expect(report.code, report.stderr).toBe(0);
        for (const file of readdirSync(out).filter((f) => /\.(md|html)$/.test(f))) expectClean(`report ${name} ${file}`, readFileSync(join(out, file), 'utf8'));
      });
      work.push(async () => {
        const junit = join(dir, `${name}.xml`);
        const markdown = join(dir, `${name}.md`);
        const compare = await runCli(['compare', source, result, '--junit', junit, '--markdown', markdown]);
        expectClean(`compare ${name}`, compare.stdout + compare.stderr);
        if (name === 'no-candidates.json') {
          expect(compare.code, compare.stderr).toBe(2); // nothing to compare is said, not invented
          return;
        }
        expect([0, 1], compare.stderr).toContain(compare.code);
        for (const file of [junit, markdown]) expectClean(`compare ${name} ${file}`, readFileSync(file, 'utf8'));
      });
    }
    // Two CLIs at a time, beside the real-target test files.
    await Promise.all(Array.from({ length: 2 }, async () => {
      for (let job = work.shift(); job; job = work.shift()) await job();
    }));
  });
});

describe('free text from a result file cannot forge lines, markup or terminal escapes in any output', () => {
  it('report (Markdown, HTML), cost, compare (text, Markdown, JUnit) and GitHub annotations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apm-bench-injected-'));
    const payload = 'x\n# INJECTED HEADING\n| forged | row |\n![img](http://evil.example/p.png)\n<script>alert(1)</script>\u001b[2J\u0007::error file=forged.ts::forged';
    const file = variant(dir, 'injected', (d) => {
      d.notes.push(payload);
      d.runs[1].exclusions = [payload];
      d.runs[3].warnings = [payload];
      const failed = d.runs[4];
      d.runs[4] = { ...Object.fromEntries(['index', 'unit', 'round', 'pair', 'config', 'side', 'slot', 'offeredRps', 'startedAt'].map((k) => [k, failed[k]])),
        status: 'failed', failure: { reason: payload, outputTail: payload } };
      d.scenario.workload.routes[0].path = `/json${payload}`;
    });
    const out = join(dir, 'report');
    expect((await runCli(['report', file, '--out', out])).code).toBe(0);
    const junit = join(dir, 'c.xml');
    const markdown = join(dir, 'c.md');
    const compare = await runCli(['compare', source, file, '--junit', junit, '--markdown', markdown], { env: { GITHUB_ACTIONS: 'true' } });
    const cost = await runCli(['cost', file]);
    const outputs: Array<[string, string, 'md' | 'html' | 'xml' | 'text']> = [
      ['report md', readFileSync(join(out, 'injected.md'), 'utf8'), 'md'],
      ['report html', readFileSync(join(out, 'injected.html'), 'utf8'), 'html'],
      ['compare --markdown', readFileSync(markdown, 'utf8'), 'md'],
      ['compare --junit', readFileSync(junit, 'utf8'), 'xml'],
      ['compare text and annotations', compare.stdout + compare.stderr, 'text'],
      ['cost', cost.stdout + cost.stderr, 'text'],
    ];
    for (const [what, text, kind] of outputs) {
      expect(text, what).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/); // no terminal escapes or XML-forbidden bytes
      expect(text, what).not.toMatch(/<script>/);
      expect(text, what).not.toMatch(/^::error file=forged/m);
      if (kind === 'md' || kind === 'text') {
        expect(text, what).not.toMatch(/^#+ INJECTED/m);
        expect(text, what).not.toMatch(/^\| forged \| row \|/m);
        expect(text, what).not.toMatch(/^!\[img\]\(/m);
      }
    }
  });
});
