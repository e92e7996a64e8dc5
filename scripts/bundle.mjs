// Bundles the CLI (after tsc has built dist/) into dist/bundle/: one file per command, split at the CLI's lazy
// imports, so a command loads a handful of files instead of ~150 modules. Node resolves and compiles each module it
// loads, and the suite starts the CLI hundreds of times: validate went from 0.49 to 0.40 s a start, cost from 0.45 to
// 0.34 s (this VM, 2026-12-03). bin/apm-bench.js prefers the bundle and falls back to dist/cli/main.js. Libraries loaded only for a chart,
// a load phase or a certificate stay outside (vega, vega-lite, autocannon, selfsigned): they load lazily as before.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['vega', 'vega-lite', 'autocannon', 'selfsigned'],
  // CommonJS libraries bundled into ES modules still call require.
  banner: { js: "import { createRequire as __apmBenchRequire } from 'node:module'; const require = __apmBenchRequire(import.meta.url);" },
  logLevel: 'warning',
});
