'use strict';
// apm-bench's OpenTelemetry preload: the real Node SDK with the instrumentations
// of what Fastify services run (HTTP, undici, Fastify, pg, mysql2, knex, ioredis,
// redis, mongodb), a parent-based trace-id-ratio sampler and a batch span
// processor exporting OTLP/HTTP protobuf. Package paths (resolved from the target
// app first) and options arrive as JSON in env. ES module apps load it through
// opentelemetry.mjs, which registers the loader hook first.
const modules = JSON.parse(process.env.APM_BENCH_OTEL_MODULES);
const options = JSON.parse(process.env.APM_BENCH_OTEL_OPTIONS || '{}');

const { NodeSDK } = require(modules['@opentelemetry/sdk-node']);
const { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, AlwaysOffSampler } = require(modules['@opentelemetry/sdk-trace-base']);
const { OTLPTraceExporter } = require(modules['@opentelemetry/exporter-trace-otlp-proto']);
const { HttpInstrumentation } = require(modules['@opentelemetry/instrumentation-http']);
const { FastifyInstrumentation } = require(modules['@opentelemetry/instrumentation-fastify']);
const { PgInstrumentation } = require(modules['@opentelemetry/instrumentation-pg']);
const { IORedisInstrumentation } = require(modules['@opentelemetry/instrumentation-ioredis']);
const { MySQL2Instrumentation } = require(modules['@opentelemetry/instrumentation-mysql2']);
const { KnexInstrumentation } = require(modules['@opentelemetry/instrumentation-knex']);
const { RedisInstrumentation } = require(modules['@opentelemetry/instrumentation-redis']);
const { MongoDBInstrumentation } = require(modules['@opentelemetry/instrumentation-mongodb']);
const { UndiciInstrumentation } = require(modules['@opentelemetry/instrumentation-undici']);

const ratio = Number(options.ratio);
const sampler = new ParentBasedSampler({ root: ratio > 0 ? new TraceIdRatioBasedSampler(ratio) : new AlwaysOffSampler() });
// Ladder L3 drops finished batches in-process instead of exporting them.
const exporter = options.dropExport
  ? { export: (spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} }
  : new OTLPTraceExporter({ url: process.env.APM_BENCH_OTLP_TRACES_URL });

const sdk = new NodeSDK({
  serviceName: 'apm-bench-target',
  sampler,
  spanProcessors: [new BatchSpanProcessor(exporter, options.batch || {})],
  // Ladder L1: the SDK is loaded and started, with no instrumentation.
  instrumentations: options.instrumentations === false ? [] : [
    new HttpInstrumentation(),
    new FastifyInstrumentation(),
    new PgInstrumentation(),
    new IORedisInstrumentation(),
    new MySQL2Instrumentation(),
    new KnexInstrumentation(),
    new RedisInstrumentation(),
    new MongoDBInstrumentation(),
    new UndiciInstrumentation(),
  ],
  // No metric reader and no log exporter: this config measures tracing.
});
sdk.start();
process.once('SIGTERM', () => { sdk.shutdown().catch(() => {}); });
