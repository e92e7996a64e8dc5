import type { Command } from 'commander';
import { initScenario } from '../commands/init.js';
import { InputError } from '../errors.js';
import { exitCodes, Output } from './output.js';

export function defineInit(program: Command): void {
  program
    .command('init')
    .description('Write a starter scenario for your own Fastify app: how it starts, its routes (from Fastify\'s onRoute events), its health route and its agents.')
    .argument('[app]', 'the app\'s directory', '.')
    .option('--output <file>', 'where to write the scenario (default: <app>/apm-bench.yaml)')
    .option('--params <list>', 'values for route parameters, e.g. "id=42,sku=SKU-00042", so /items/:id can join the mix')
    .option('--command <command>', 'start the app with this command instead of what init detects, e.g. "node dist/server.js"')
    .option('--timeout <seconds>', 'how long the app may take to answer once started', '20')
    .option('--force', 'overwrite the scenario file if it exists')
    .option('--json', 'print one JSON document: the file, what was found, and whether it validates')
    .addHelpText('after', `
init starts the app once, as a run would (PORT and HOST set, vendor credentials
stripped), with a preload that records every route Fastify registers. It sends
each GET route one request: those that answer 2xx/3xx join the mix; 401/403
ones are written commented out with a login step to fill in; routes with
parameters need --params. Routes that may write (POST, PUT, DELETE) are never
sent: they are written commented out, with a body sampled from their schema.
Built TypeScript (tsconfig outDir) starts with target.command, as in
production. The agents installed in your app are the versions measured.

Examples:
  $ apm-bench init ../my-service
  $ apm-bench init ../my-service --params id=42 --output scenarios/my-service.yaml
  $ apm-bench init . --command "node dist/main.js" --force
  then: apm-bench validate apm-bench.yaml && apm-bench run apm-bench.yaml
${exitCodes([0, 2, 4], 'the scenario was written and passes validate')}`)
    .action(async (app: string, flags) => {
      const output = new Output(Boolean(flags.json), false);
      const timeoutS = Number(flags.timeout);
      if (!(timeoutS > 0 && timeoutS <= 600)) throw new InputError(`--timeout: expected seconds from 1 to 600, got "${flags.timeout}".`);
      const params: Record<string, string> = {};
      for (const pair of String(flags.params ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
        const match = /^([A-Za-z0-9_]+)=(.*)$/.exec(pair);
        if (!match) throw new InputError(`--params: expected name=value pairs like "id=42,sku=SKU-1", got "${pair}".`);
        params[match[1]!] = match[2]!;
      }
      const outcome = await initScenario({ app, output: flags.output, params, command: flags.command, force: Boolean(flags.force), timeoutMs: timeoutS * 1000 });
      const ready = outcome.validation.ok && outcome.activeRoutes > 0;
      output.result(`Wrote ${outcome.file}\n${outcome.notes.map((n) => `  · ${n}`).join('\n')}\n` + (!outcome.validation.ok
        ? `It does not validate yet: ${outcome.validation.error}\n`
        : ready
          ? `It validates: ${outcome.validation.configs.join(', ')}. Next: apm-bench run ${outcome.file}\n`
          : 'Not ready to run: no route answered 2xx or 3xx, so its route mix is a placeholder (GET /). Fix the routes (see the notes above), then validate.\n'));
      output.document({ ...outcome, ready });
      process.exitCode = ready ? 0 : 2;
    });
}
