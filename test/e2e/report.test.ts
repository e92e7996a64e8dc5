import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtures, root, runCli, tempDir } from '../helpers.js';

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
const browserPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
const expectedCharts = ['cpu-overhead', 'latency-percentiles', 'sample-rate', 'rss', 'telemetry', 'monthly-cost'];

/**
 * A committed result from a real session of this version (test/fixtures/results/agents.json, `npm run fixtures`): a
 * Datadog sweep, Sentry and Prometheus, so every chart has data. Copied to a temp dir so the reports land there.
 */
const dir = tempDir();
const saved = join(dir, 'agents.json');
copyFileSync(join(fixtures, 'results', 'agents.json'), saved);
beforeAll(async () => {
  const { code, stderr } = await runCli(['report', saved]);
  expect(code, stderr).toBe(0);
});

describe('reports from a saved result', () => {
  it('report writes the HTML and Markdown reports next to the result by default', () => {
    expect(existsSync(saved.replace(/\.json$/, '.html'))).toBe(true);
    expect(existsSync(saved.replace(/\.json$/, '.md'))).toBe(true);
  });

  it('cost re-projects under different traffic without re-running', async () => {
    const bill = async (...traffic: string[]) => {
      const { code, stdout, stderr } = await runCli(['cost', saved, ...traffic]);
      expect(code, stderr).toBe(0);
      return { stdout, sentry: Number(/sentry@1: \$([\d,]+)\/month/.exec(stdout)![1]!.replace(/,/g, '')) };
    };
    const small = await bill('--traffic', '100M');
    const large = await bill('--traffic', '1B');
    expect(large.sentry).toBeGreaterThan(small.sentry * 5);
    expect(large.stdout).toContain('1B requests/month (average 381 req/s)');
    // An average rate with a peak sizes the fleet for the peak, and says so in the formula.
    const peak = await bill('--traffic', '100rps,peak=800rps');
    expect(peak.stdout).toContain('a fleet sized for the peak');
    expect(peak.stdout).toMatch(/datadog@1: [\s\S]*extra compute .* ms\/req × 800 req\/s peak/);
    const fargate = await runCli(['cost', saved, '--instance', 'fargate', '--vcpu', '0.5', '--memory', '1']);
    expect(fargate.code, fargate.stderr).toBe(0);
    expect(fargate.stdout).toContain('Fargate 0.5 vCPU / 1 GB');
    // --json carries the pricing version it billed with (it printed "pricing": {} when the field was misspelt).
    const json = await runCli(['cost', saved, '--traffic', '500M', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const document = JSON.parse(json.stdout) as { pricing: Record<string, string>; configs: Array<{ config: string; totalUsd: number }> };
    expect(document.pricing).toEqual({ version: expect.stringMatching(/^\d{4}-\d{2}/), currency: 'USD' });
    expect(document.configs.map((c) => c.config)).toEqual(['datadog@0.1', 'datadog@1', 'sentry@1', 'prometheus']);
    const bad = await runCli(['cost', saved, '--traffic', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--traffic: expected requests per month ("500M") or an average rate ("190rps"), got "lots"');
  });

  it('report writes HTML, Markdown and the JSON result', async () => {
    const reportDir = join(dir, 'report');
    const { code, stdout, stderr } = await runCli(['report', saved, '--out', reportDir, '--traffic', '1B']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/HTML: .*\.html\nMarkdown: .*\.md\nJSON: .*\.json/);
    const stem = saved.split('/').pop()!.replace(/\.json$/, '');
    const markdown = readFileSync(join(reportDir, `${stem}.md`), 'utf8');
    // With two pairs the CI may honestly include 0, and then the sentence says so.
    // The sentence leads with the dollars and their range at the user's traffic, then the overhead, then what would change the bill.
    expect(markdown).toMatch(new RegExp('- \\*\\*datadog@0\\.1\\*\\* \\(Datadog dd-trace at 10% sampling\\): \\$[\\d,]+/month at 1B requests/month.*? \\(\\$[\\d,]+–\\$[\\d,]+\\), ' +
      'of which \\$[\\d,]+ is extra compute and memory; ([+−]\\d.*% CPU per request|no significant CPU change per request) on this route mix \\(.*CI .+\\)\\. ' +
      'What would change this bill: the largest line is '));
    expect(markdown).toContain('## Claims check');
    // Two pairs make a wide t interval, so the verdict may honestly be "undecided"; the boundaries are unit-tested.
    expect(markdown).toMatch(/\| APM: < 1% CPU overhead \| seeds\/001 \| datadog@1 \| CPU\/req .+ \| (refuted|undecided) \|/);
    const html = readFileSync(join(reportDir, `${stem}.html`), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    for (const id of expectedCharts) expect(html).toContain(`data-chart="${id}"`);
    expect(JSON.parse(readFileSync(join(reportDir, `${stem}.json`), 'utf8')).schemaVersion).toBe(2);
  });
});

const chromeTitle = browserPath ? 'HTML report in headless Chromium' : 'HTML report in headless Chromium (skipped: no Chromium; apt-get install chromium, or set CHROMIUM_PATH)';
describe.skipIf(!browserPath)(chromeTitle, () => {
  it('shows every chart, loads nothing from the network, and prints', async () => {
    const html = saved.replace(/\.json$/, '.html');
    const browser = await chromium.launch({
      executablePath: browserPath,
      // As root on a machine with no outside network: no sandbox, no background fetches.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`file://${html}`);
      const charts = await page.$$eval('figure[data-chart]', (figures) => figures.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: figure.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg ? svg.querySelectorAll('.mark-rect path, .mark-symbol path, .mark-line path, .mark-rule line, .mark-text text').length : 0,
          text: svg?.textContent ?? '',
        };
      }));
      expect(charts.map((c) => c.id)).toEqual(expectedCharts);
      for (const chart of charts) {
        expect(chart.width, chart.id!).toBeGreaterThan(400);
        expect(chart.height, chart.id!).toBeGreaterThan(60);
        expect(chart.marks, chart.id!).toBeGreaterThan(5);
      }
      expect(charts.find((c) => c.id === 'cpu-overhead')!.text).toContain('sentry@1');
      expect(charts.find((c) => c.id === 'latency-percentiles')!.text).toContain('99%');
      expect(charts.find((c) => c.id === 'monthly-cost')!.text).toContain('vendor bill');
      expect(await page.locator('#summary li').count()).toBe(4);
      expect(requests).toEqual([`file://${html}`]);
      expect(errors).toEqual([]);
      const shots = join(root, 'reports');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'html-report-test.png'), fullPage: true });
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(50_000);
    } finally {
      await browser.close();
    }
  });
});
