// apm-bench's Sentry preload for ES module apps (node --import), Sentry's documented ESM setup
// (https://docs.sentry.io/platforms/javascript/guides/fastify/install/esm/): an instrument file that imports the SDK's
// ES build and calls init before the app loads. Only then does init register import-in-the-middle's loader hooks, which
// let its OpenTelemetry integrations patch the app's imported fastify, pg or mysql2.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The file `import "<package>"` loads from a package directory: the "import" condition of its exports, else module, else main. */
function esmEntry(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const root = manifest.exports && typeof manifest.exports === 'object' && '.' in manifest.exports ? manifest.exports['.'] : manifest.exports;
  const pick = (entry) => (typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? pick(entry.import) ?? pick(entry.node) ?? pick(entry.default) : undefined);
  return pathToFileURL(join(dir, pick(root) ?? manifest.module ?? manifest.main ?? 'index.js')).href;
}

const Sentry = await import(esmEntry(process.env.APM_BENCH_SENTRY_MODULE));
const profiling = process.env.APM_BENCH_SENTRY_PROFILING_MODULE ? await import(esmEntry(process.env.APM_BENCH_SENTRY_PROFILING_MODULE)) : undefined;
createRequire(import.meta.url)('./sentry-init.cjs')(Sentry, profiling);
