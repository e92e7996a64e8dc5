import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../paths.js';
import { counterWindow, decodeBody, startHttpIntake, type Counter } from './intake-server.js';
import { countJsonMetrics, countProtobufMetrics, jsonSpans, protobufSpans } from './otlp-wire.js';
import { resolveAgent, type AgentBundle } from './resolve-agent.js';
import { expandSweep, sweepable } from './sweep.js';
import { intakeFaultSchema } from './fault.js';
import { configNameOption } from './versions.js';
import { ladderName, ladderTakesOneRate } from './ladder.js';
import { otlpBill } from '../cost/project.js';
import type { Adapter, IntakeCounts, IntakeOptions } from './types.js';

/**
 * OpenTelemetry: the real Node SDK (HTTP, Fastify, pg, ioredis instrumentation),
 * exporting OTLP/HTTP to a local collector stand-in that counts spans and bytes.
 */
const options = z.strictObject({
  name: configNameOption,
  intake: intakeFaultSchema.optional(),
  ratio: sweepable(z.number().min(0).max(1)).default(1).meta({ description: 'parentbased_traceidratio sampler ratio.' }),
  batch: z.strictObject({
    maxQueueSize: z.number().int().positive().optional(),
    maxExportBatchSize: z.number().int().positive().optional(),
    scheduledDelayMillis: z.number().int().positive().optional(),
  }).default({}),
  ladder: z.boolean().default(false).meta({ description: 'Overhead ladder: L1 SDK without instrumentation, L2 ratio 0, L3 sampled but dropped in-process, L4 full export.' }),
}).superRefine(ladderTakesOneRate('ratio'));

const entrySchema = z.strictObject({ opentelemetry: options.default({} as never) }).meta({ title: 'OpenTelemetry Node SDK' });

/**
 * What the agent cache installs, in one entry, when the app has no OpenTelemetry SDK: the versions apm-bench is tested
 * with. One entry, so the instrumentations and the ESM loader hook share one import-in-the-middle.
 */
export const tested: AgentBundle = {
  '@opentelemetry/sdk-node': '0.223.0',
  '@opentelemetry/sdk-trace-base': '2.12.1',
  '@opentelemetry/exporter-trace-otlp-proto': '0.223.0',
  '@opentelemetry/instrumentation-http': '0.223.0',
  '@opentelemetry/instrumentation-undici': '0.33.0',
  '@opentelemetry/instrumentation-fastify': '0.57.0',
  '@opentelemetry/instrumentation-pg': '0.76.0',
  '@opentelemetry/instrumentation-mysql2': '0.69.0',
  '@opentelemetry/instrumentation-knex': '0.67.0',
  '@opentelemetry/instrumentation-ioredis': '0.71.0',
  '@opentelemetry/instrumentation-redis': '0.71.0',
  '@opentelemetry/instrumentation-mongodb': '0.76.0',
};
const packages = Object.keys(tested);

async function startOtlpIntake(options: IntakeOptions = {}) {
  const http = await startHttpIntake((request, raw, counter) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const json = String(request.headers['content-type'] ?? '').includes('json');
    const kind = path === '/v1/traces' ? 'spans' : path === '/v1/metrics' ? 'metrics' : path === '/v1/logs' ? 'logs' : undefined;
    if (!kind) { counter.add(`other:${path}`); return { status: 404, body: '{}' }; }
    const encoding = request.headers['content-encoding'];
    const decode = (count: Counter) => {
      const body = decodeBody(encoding, raw);
      if (kind === 'spans') {
        const spans = json ? jsonSpans(JSON.parse(body.toString('utf8'))) : protobufSpans(body);
        count.payload(raw.length, spans.map(({ tMs, label }) => ({ kind: 'spans', tMs, names: [label] })));
      } else if (kind === 'metrics') {
        count.payload(raw.length, [], { metrics: json ? countJsonMetrics(JSON.parse(body.toString('utf8'))) : countProtobufMetrics(body) });
      } else count.payload(raw.length, [], { logPayloads: 1 });
    };
    // An empty Export*ServiceResponse means full success in both encodings.
    return json ? { body: '{}', decode } : { contentType: 'application/x-protobuf', body: Buffer.alloc(0), decode };
  }, { fault: options.fault });
  return {
    env: { APM_BENCH_OTLP_TRACES_URL: `http://127.0.0.1:${http.port}/v1/traces` },
    ...counterWindow(http.counter, http.decodePending, http.dropPending),
    close: http.close,
  };
}

const localOnly = (allowed: string[]) => (value: string) => value.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean).every((v) => allowed.includes(v));

export const opentelemetry: Adapter = {
  egress: [
    {
      route: 'cloud resource detectors: aws, gcp, azure and alibaba query their metadata services (169.254.169.254, metadata.google.internal)',
      keys: /^OTEL_NODE_RESOURCE_DETECTORS$/i,
      shut: localOnly(['env', 'host', 'os', 'process', 'serviceinstance', 'container', 'none']),
      source: '@opentelemetry/resource-detector-aws and -gcp (gcp-metadata); OTEL_NODE_RESOURCE_DETECTORS in auto-instrumentations-node',
    },
    {
      route: 'an exporter other than OTLP (zipkin, jaeger, prometheus), with its own default endpoint, not the local intake',
      keys: /^OTEL_(TRACES|METRICS|LOGS)_EXPORTER$/i,
      shut: localOnly(['otlp', 'none', 'console']),
      source: 'OpenTelemetry SDK environment variables: OTEL_TRACES_EXPORTER',
    },
  ],
  kind: 'opentelemetry',
  label: 'OpenTelemetry SDK',
  roles: ['tracing'],
  starter: { entry: 'opentelemetry: { ratio: 1 }', byDefault: true },
  packages: ['@opentelemetry/sdk-node'],
  // OTLP traces to Grafana Cloud, billed by the GB.
  bill: ({ measure, requestsPerMonth, pricing }) => otlpBill(((measure.bytesPerRequest ?? 0) * requestsPerMonth) / 1e9, pricing),
  entrySchema,
  matches: (entry) => typeof entry === 'object' && entry !== null && 'opentelemetry' in entry,
  expand(entry, ctx) {
    const parsed = (entry as z.output<typeof entrySchema>).opentelemetry;
    const resolved = packages.map((name) => resolveAgent(name, ctx, tested));
    const modules = Object.fromEntries(resolved.map((agent) => [agent.package, agent.dir]));
    const sdk = resolved[0]!;
    const rate = [parsed.ratio].flat()[0]!;
    const esm = ctx.moduleSystem === 'esm';
    const base = { ...parsed, ladder: undefined };
    const steps = parsed.ladder
      ? [
        { name: ladderName('opentelemetry', parsed.name, 'L1'), options: { ...base, ratio: 0, instrumentations: false, ladder: 'L1' } },
        { name: ladderName('opentelemetry', parsed.name, 'L2'), options: { ...base, ratio: 0, ladder: 'L2' } },
        { name: ladderName('opentelemetry', parsed.name, 'L3'), options: { ...base, ratio: rate, dropExport: true, ladder: 'L3' } },
        { name: ladderName('opentelemetry', parsed.name, 'L4'), options: { ...base, ratio: rate, ladder: 'L4' } },
      ]
      : expandSweep('opentelemetry', parsed, ['ratio'], 'ratio');
    return steps.map(({ name, options: o }) => ({
      name,
      kind: 'opentelemetry',
      preloads: [join(packageRoot, 'preloads', esm ? 'opentelemetry.mjs' : 'opentelemetry.cjs')],
      loading: esm ? '--import of an SDK file that registers @opentelemetry/instrumentation/hook.mjs first (ESM)' : '--require of an SDK file (CommonJS)',
      instruments: ['fastify', 'http', 'pg', 'mysql2', 'knex', 'ioredis', 'redis', 'mongodb', 'undici'],
      env: {
        APM_BENCH_OTEL_MODULES: JSON.stringify(modules),
        APM_BENCH_OTEL_OPTIONS: JSON.stringify(o),
        OTEL_SDK_DISABLED: 'false',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      nodeOptions: [],
      options: o,
      sampleRate: o.ratio as number,
      agent: sdk,
      createIntake: startOtlpIntake,
      intakeFault: parsed.intake,
      validate: (counts: IntakeCounts | undefined) =>
        (o.ratio as number) > 0 && !(o as { dropExport?: boolean }).dropExport && (counts?.items.spans ?? 0) === 0
          ? ['the OpenTelemetry SDK delivered no spans to the local OTLP intake although ratio > 0']
          : [],
    }));
  },
};
