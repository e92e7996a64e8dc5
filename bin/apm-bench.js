#!/usr/bin/env node
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('apm-bench: not built yet. Run "npm ci" (or "npm run build") in the apm-bench folder first.\n');
  process.exit(2);
}
// `apm-bench … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => { if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw error; });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
