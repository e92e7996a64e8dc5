// apm-bench's OpenTelemetry preload for ES module apps (node --import), as OpenTelemetry's ESM support doc has it
// (https://github.com/open-telemetry/opentelemetry-js/blob/main/doc/esm-support.md): register the instrumentation
// loader hook (import-in-the-middle) with module.register, then start the SDK, before the app's first import.
// Without the hook, instrumentations patch only require()d modules and an ES module app sends HTTP spans alone.
import { createRequire, register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = JSON.parse(process.env.APM_BENCH_OTEL_MODULES);
// The hook of the instrumentation package the SDK's instrumentations use: one import-in-the-middle for all.
const hook = createRequire(join(modules['@opentelemetry/instrumentation-http'], 'package.json')).resolve('@opentelemetry/instrumentation/hook.mjs');
register(pathToFileURL(hook).href, import.meta.url);
createRequire(import.meta.url)('./opentelemetry.cjs');
