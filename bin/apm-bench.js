#!/usr/bin/env node
import { existsSync, statSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('apm-bench: not built yet. Run "npm ci" (or "npm run build") in the apm-bench folder first.\n');
  process.exit(2);
}
// The bundle (scripts/bundle.mjs) starts faster; it is used only when it is at least as new as tsc's output, so a
// `tsc` without the bundle step never runs stale code.
const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const fresh = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(entry).mtimeMs;
// `apm-bench … | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => { if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw error; });
}
const { main } = await import((fresh ? bundle : entry).href);
process.exitCode = await main(process.argv);
