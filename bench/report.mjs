// How long `apm-bench report` takes to render a result, charts included.
// Usage: npm run build && node bench/report.mjs reports/quick-<time>.json [iterations]
import { performance } from 'node:perf_hooks';
import { readResult } from '../dist/samples/result.js';
import { reportInputFor } from '../dist/cli/report-command.js';
import { renderHtmlReport } from '../dist/report/html.js';
import { renderMarkdownReport } from '../dist/report/markdown.js';

const [file, iterations = '10'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/report.mjs <result.json> [iterations]');
  process.exit(2);
}
const result = readResult(file);
const time = async (label, fn) => {
  const samples = [];
  for (let i = 0; i < Number(iterations); i += 1) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(`${label.padEnd(34)} median ${median.toFixed(1)} ms   min ${samples[0].toFixed(1)}   max ${samples.at(-1).toFixed(1)}   (${iterations} runs)`);
};
await time('analysis + cost (reportInputFor)', () => reportInputFor(result));
const input = reportInputFor(result);
await time('Markdown', () => renderMarkdownReport(input));
await time('HTML with 6 charts (Vega → SVG)', () => renderHtmlReport(input));
console.log(`${result.runs.length} runs, ${result.configs.length} configs; Node ${process.version}`);
