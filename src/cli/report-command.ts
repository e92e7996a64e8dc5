import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { analyse } from '../analysis/analyse.js';
import { summarise } from '../analysis/summary.js';
import { measuresFromResult } from '../cost/measures.js';
import { projectConfig } from '../cost/project.js';
import { renderHtmlReport } from '../report/html.js';
import type { ReportInput } from '../report/input.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { readResult, type ResultDocument } from '../samples/result.js';
import { costSetup, defaultCostFlags, type CostFlags } from './cost-command.js';

/** Everything the reports show for one result under a traffic profile. Pure apart from reading pricing. */
export function reportInputFor(result: ResultDocument, flags: CostFlags = defaultCostFlags): ReportInput {
  const { options, pricing, traffic } = costSetup(flags);
  const measures = measuresFromResult(result);
  return {
    result,
    summaries: summarise(result),
    analysis: analyse(result, result.scenario.budgets ?? []),
    measures,
    costs: measures.map((m) => projectConfig(m, options, pricing)),
    traffic: traffic.text,
    pricing,
  };
}

/** Write `<stem>.md` and `<stem>.html` beside each other; returns their paths. */
export async function writeReports(result: ResultDocument, outDir: string, stem: string, flags: CostFlags = defaultCostFlags): Promise<{ markdown: string; html: string }> {
  const input = reportInputFor(result, flags);
  mkdirSync(outDir, { recursive: true });
  const markdown = join(outDir, `${stem}.md`);
  const html = join(outDir, `${stem}.html`);
  writeFileSync(markdown, renderMarkdownReport(input));
  writeFileSync(html, await renderHtmlReport(input));
  return { markdown, html };
}

/** `apm-bench report result.json`: re-render the reports from a saved result, without re-running. */
export async function reportCommand(file: string, flags: CostFlags & { out?: string }): Promise<number> {
  const result = readResult(file);
  const outDir = resolve(flags.out ?? '.');
  const stem = basename(file).replace(/\.json$/, '');
  const written = await writeReports(result, outDir, stem, flags);
  const jsonPath = join(outDir, `${stem}.json`);
  if (resolve(file) !== jsonPath) copyFileSync(file, jsonPath);
  process.stdout.write(`HTML:     ${written.html}\nMarkdown: ${written.markdown}\nJSON:     ${jsonPath}\n`);
  return 0;
}
