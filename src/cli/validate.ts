import type { Command } from 'commander';
import { z } from 'zod';
import { validateFiles } from '../commands/validate.js';
import { ExitCode } from '../errors.js';
import { scenarioSchema } from '../scenario/schema.js';
import { exitCodesHelp } from './options.js';

export function defineValidate(program: Command): void {
  program
    .command('validate')
    .description('Check scenario files (schema, paths, baseline, budgets) without running anything.')
    .argument('<scenario...>', 'scenario YAML files')
    .addHelpText('after', `
Each problem names the file, line, field and what was expected; every file is checked.

Examples:
  $ apm-bench validate scenarios/*.yaml
${exitCodesHelp}`)
    .action((files: string[]) => {
      const results = validateFiles(files);
      for (const r of results) {
        if (r.ok) process.stdout.write(`${r.file}: ok — ${r.preview}\n`);
        else process.stderr.write(`${r.error}\n`);
      }
      process.exitCode = results.every((r) => r.ok) ? ExitCode.ok : ExitCode.input;
    });

  program
    .command('schema')
    .description('Print the scenario JSON Schema (for editor completion and validation).')
    .addHelpText('after', `
Examples:
  $ apm-bench schema > scenario.schema.json
  # then, first line of a scenario:  # yaml-language-server: $schema=./scenario.schema.json`)
    .action(() => {
      process.stdout.write(`${JSON.stringify(z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`);
    });
}
