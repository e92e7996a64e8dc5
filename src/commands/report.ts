import { readFileSync } from 'node:fs';
import { writeFileReplacing } from '../errors.js';
import { basename, join, resolve } from 'node:path';
import { readResult } from '../samples/result.js';
import { assertOutDirectory, writeReports, type CostFlags } from './project.js';

/** `apm-bench report result.json`: re-render the reports from a saved result, without re-running. */
export async function reportFile(file: string, flags: CostFlags & { out: string }): Promise<{ html: string; markdown: string; json: string }> {
  const result = readResult(file);
  const outDir = resolve(flags.out);
  assertOutDirectory(outDir);
  const stem = basename(file).replace(/\.json$/, '');
  const written = await writeReports(result, outDir, stem, flags);
  const json = join(outDir, `${stem}.json`);
  if (resolve(file) !== json) writeFileReplacing(json, readFileSync(file));
  // Both formats were asked for, so both were written.
  return { html: written.html!, markdown: written.markdown!, json };
}
