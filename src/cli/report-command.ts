import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { analyse } from '../analysis/analyse.js';
import { summarise } from '../analysis/summary.js';
import { measuresFromResult } from '../cost/measures.js';
import { projectConfig } from '../cost/project.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { readResult, type ResultDocument } from '../samples/result.js';
import { costSetup, defaultCostFlags, type CostFlags } from './cost-command.js';

/** Markdown for one result, with the cost under the given traffic. Pure apart from reading pricing. */
export function markdownFor(result: ResultDocument, flags: CostFlags = defaultCostFlags): string {
  const { options, pricing } = costSetup(flags);
  const measures = measuresFromResult(result);
  return renderMarkdownReport({
    result,
    summaries: summarise(result),
    analysis: analyse(result, result.scenario.budgets ?? []),
    measures,
    costs: measures.map((m) => projectConfig(m, options, pricing)),
    traffic: flags.requests,
    pricingVersion: pricing.pricing_version,
  });
}

/** `apm-bench report result.json`: re-render reports from a saved result, without re-running. */
export function reportCommand(file: string, flags: CostFlags & { out?: string }): number {
  const result = readResult(file);
  const outDir = resolve(flags.out ?? '.');
  mkdirSync(outDir, { recursive: true });
  const stem = basename(file).replace(/\.json$/, '');
  const markdownPath = join(outDir, `${stem}.md`);
  writeFileSync(markdownPath, markdownFor(result, flags));
  const jsonPath = join(outDir, `${stem}.json`);
  if (resolve(file) !== jsonPath) copyFileSync(file, jsonPath);
  process.stdout.write(`Markdown: ${markdownPath}\nJSON:     ${jsonPath}\n`);
  return 0;
}
