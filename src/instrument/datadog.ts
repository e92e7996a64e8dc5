import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '@msgpack/msgpack';
import { z } from 'zod';
import { versionOption, configNameOption } from './versions.js';
import { counterWindow, decodeBody, startHttpIntake, type TimedItem } from './intake-server.js';
import { resolveAgent, type AgentBundle, type ResolvedAgent } from './resolve-agent.js';
import { InputError } from '../errors.js';
import { expandSweep, sweepable } from './sweep.js';
import { intakeFaultSchema } from './fault.js';
import { ladderName, ladderTakesOneRate } from './ladder.js';
import { billPerHostWithin, cpuBelow } from '../analysis/claims.js';
import { datadogBill, keptTraceShare } from '../cost/project.js';
import type { Adapter, IntakeOptions } from './types.js';
import type { IntakeCounts } from './types.js';

/**
 * Datadog: the real dd-trace, preloaded with `--require dd-trace/init` and
 * configured through DD_* variables, talking to a local stand-in for the
 * Datadog agent that decodes the msgpack trace payloads and counts spans.
 */
const options = z.strictObject({
  version: versionOption,
  name: configNameOption,
  intake: intakeFaultSchema.optional(),
  sampleRate: sweepable(z.number().min(0).max(1)).default(1),
  profiling: z.boolean().default(false),
  runtimeMetrics: z.boolean().default(false),
  appsec: z.boolean().default(false),
  logInjection: z.boolean().default(false),
  telemetry: z.boolean().default(false).meta({ description: 'Instrumentation telemetry (off by default: it is not what users pay for).' }),
  remoteConfig: z.boolean().default(false),
  env: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra DD_* settings.' }),
  ladder: z.boolean().default(false).meta({ description: 'Overhead ladder: L1 DD_TRACE_ENABLED=false, L2 sample rate 0, L4 full export (dd-trace cannot drop sampled spans ' +
    'in-process, so there is no L3).' }),
}).superRefine(ladderTakesOneRate('sampleRate'));

const entrySchema = z.strictObject({ datadog: options.default({} as never) }).meta({ title: 'Datadog dd-trace' });

/** What the agent cache installs when the app has no dd-trace: the version apm-bench is tested with. */
export const tested: AgentBundle = { 'dd-trace': '5.132.0' };

/** dd-trace's documented ESM path: `--import dd-trace/initialize.mjs` starts the tracer and registers its loader hook. */
function esmInit(agent: ResolvedAgent): string {
  const file = join(agent.dir, 'initialize.mjs');
  // A version the agent cache has yet to install is checked by that install; one on disk, now.
  if (existsSync(agent.dir) && !existsSync(file)) {
    throw new InputError(`dd-trace ${agent.version} (${agent.dir}) has no initialize.mjs, the --import entry its ES module support needs: ` +
      'use a dd-trace that has it (5.x does), or set target.moduleSystem: commonjs if the app is CommonJS.');
  }
  return file;
}

const SAMPLING_PRIORITY = '_sampling_priority_v1';

type Span = Map<unknown, unknown> | Record<string, unknown>;

function field(span: Span, key: string): unknown {
  return span instanceof Map ? span.get(key) : span[key];
}

/** A span as dd-trace names it, with the integration that made it: "fastify.request (fastify)". */
function spanLabel(name: unknown, component: unknown): string {
  return component ? `${String(name)} (${String(component)})` : String(name);
}

/** Nanoseconds (bigint or number) since the epoch → milliseconds. */
function nsToMs(value: unknown): number {
  return typeof value === 'bigint' ? Number(value / 1_000_000n) : Number(value) / 1e6;
}

/**
 * Decode a /v0.4 or /v0.5 trace payload into timed items, one trace at a time,
 * stamped with the trace's earliest span start. "kept" = the trace's sampling
 * priority is above 0, so the Datadog agent would keep (ingest) it.
 */
export function decodeTracePayload(path: string, body: Buffer): TimedItem[] {
  const decoded = decode(body, { useBigInt64: true }) as unknown;
  const items: TimedItem[] = [];
  const addTrace = (spanCount: number, startMs: number, priority: number, errorSpans: number, names: string[]) => {
    items.push({ kind: 'traces', tMs: startMs }, { kind: 'spans', tMs: startMs, n: spanCount, names });
    if (priority > 0) items.push({ kind: 'keptTraces', tMs: startMs }, { kind: 'keptSpans', tMs: startMs, n: spanCount });
    if (errorSpans > 0) items.push({ kind: 'errorSpans', tMs: startMs, n: errorSpans });
  };
  if (path.startsWith('/v0.5/')) {
    // [stringTable, traces]; a span is [service, name, resource, traceId, spanId, parentId, start, duration, error, meta, metrics, type].
    const [strings, traces] = decoded as [string[], unknown[][][]];
    for (const trace of traces) {
      let priority = 0;
      let errors = 0;
      let startMs = Number.POSITIVE_INFINITY;
      const names: string[] = [];
      for (const span of trace) {
        startMs = Math.min(startMs, nsToMs(span[6]));
        const meta = span[9] as Map<number, number> | Record<string, number> | undefined;
        const metaEntries = meta instanceof Map ? [...meta.entries()] : Object.entries(meta ?? {});
        const component = metaEntries.find(([key]) => strings[Number(key)] === 'component')?.[1];
        names.push(spanLabel(strings[Number(span[1])], component === undefined ? undefined : strings[Number(component)]));
        if (Number(span[8]) > 0) errors += 1;
        const metrics = span[10] as Map<number, number> | Record<string, number> | undefined;
        const entries = metrics instanceof Map ? [...metrics.entries()] : Object.entries(metrics ?? {});
        for (const [key, value] of entries) if (strings[Number(key)] === SAMPLING_PRIORITY) priority = Math.max(priority, Number(value));
      }
      addTrace(trace.length, startMs, priority, errors, names);
    }
  } else {
    for (const trace of decoded as Span[][]) {
      let priority = 0;
      let errors = 0;
      let startMs = Number.POSITIVE_INFINITY;
      const names: string[] = [];
      for (const span of trace) {
        startMs = Math.min(startMs, nsToMs(field(span, 'start')));
        const meta = field(span, 'meta') as Span | undefined;
        names.push(spanLabel(field(span, 'name'), meta ? field(meta, 'component') : undefined));
        const metrics = field(span, 'metrics') as Span | undefined;
        const value = metrics ? field(metrics, SAMPLING_PRIORITY) : undefined;
        if (value !== undefined) priority = Math.max(priority, Number(value));
        if (Number(field(span, 'error') ?? 0) > 0) errors += 1;
      }
      addTrace(trace.length, startMs, priority, errors, names);
    }
  }
  return items;
}

/**
 * The agent forwards only kept traces, so Datadog ingests (and bills) their bytes:
 * each kept trace gets the payload's wire bytes in proportion to its spans.
 */
export function keptBytes(items: readonly TimedItem[], wireBytes: number): TimedItem[] {
  const spans = items.filter((i) => i.kind === 'spans').reduce((sum, i) => sum + (i.n ?? 1), 0);
  if (spans === 0) return [];
  return items.filter((i) => i.kind === 'keptSpans').map((i) => ({ kind: 'keptBytes', tMs: i.tMs, n: (wireBytes * (i.n ?? 1)) / spans }));
}

/** A DogStatsD line (`name:value|type|@rate|#tag:a,tag:b`) as the series Datadog bills: its name and sorted tags. */
export function dogstatsdSeries(line: string): string | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const tags = line.split('|').find((part) => part.startsWith('#'))?.slice(1).split(',').filter(Boolean).sort() ?? [];
  return `${line.slice(0, colon)}{${tags.join(',')}}`;
}

/** The parts of a multipart/form-data body: each part's name, filename and bytes. */
export function multipartParts(contentType: string, body: Buffer): Array<{ name: string; filename?: string; data: Buffer }> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ name: string; filename?: string; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const filename = /filename="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name: /name="([^"]*)"/i.exec(disposition)?.[1] ?? '', ...(filename ? { filename } : {}), data: part.subarray(headerEnd + 4) });
    at = next;
  }
  return parts;
}

/**
 * A profile upload as dd-trace's profiler sends it to the agent: multipart, an `event.json` (the profiled period's
 * start and end, the attachments) and one pprof file per profile type. Timed by the period's end; `profileSeconds`
 * sums the periods, so seconds ÷ uploads is the upload interval.
 */
export function decodeProfileUpload(contentType: string, body: Buffer): TimedItem[] {
  const parts = multipartParts(contentType, body);
  const eventPart = parts.find((p) => p.filename === 'event.json' || p.name === 'event');
  if (!eventPart) throw new Error('profile upload without event.json');
  const event = JSON.parse(eventPart.data.toString('utf8')) as { start?: string; end?: string; attachments?: string[] };
  const endMs = Date.parse(event.end ?? '') || Date.now();
  const seconds = (endMs - (Date.parse(event.start ?? '') || endMs)) / 1000;
  const files = parts.filter((p) => p !== eventPart);
  return [
    { kind: 'profileUploads', tMs: endMs },
    { kind: 'profiles', tMs: endMs, n: files.length },
    { kind: 'profileSeconds', tMs: endMs, n: seconds },
    { kind: 'profileBytes', tMs: endMs, n: files.reduce((sum, p) => sum + p.data.length, 0) },
  ];
}

async function startAgentIntake(options: IntakeOptions = {}) {
  // Datadog bills each distinct DogStatsD name + tag set as a custom metric: count each once per window, and every point.
  const seriesInWindow = new Set<string>();
  const dogstatsd = (text: string) => {
    const lines = text.split('\n').filter(Boolean);
    const fresh = new Set(lines.map(dogstatsdSeries).filter((key): key is string => key !== undefined && !seriesInWindow.has(key)));
    for (const key of fresh) seriesInWindow.add(key);
    return { metricPoints: lines.length, ...(fresh.size ? { customMetrics: fresh.size } : {}) };
  };
  const http = await startHttpIntake((request, raw, counter) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (/^\/v0\.[45]\/traces$/.test(path)) {
      // Keep only what decoding needs: a pending payload must not hold the request object alive.
      const encoding = request.headers['content-encoding'];
      return {
        // Like the real agent: the tracer adjusts priority sampling from this answer.
        body: JSON.stringify({ rate_by_service: { 'service:,env:': 1 } }),
        decode: (count) => {
          const items = raw.length > 0 ? decodeTracePayload(path, decodeBody(encoding, raw)) : [];
          count.payload(raw.length, [...items, ...keptBytes(items, raw.length)]);
        },
      };
    }
    if (path === '/info') {
      return { body: JSON.stringify({
        version: '7.99.0-apm-bench',
        endpoints: ['/v0.4/traces', '/v0.5/traces', '/profiling/v1/input', '/telemetry/proxy/'],
        client_drop_p0s: false,
      }) };
    }
    if (path === '/dogstatsd/v2/proxy') {
      // dd-trace sends its runtime metrics through the agent's HTTP proxy when it knows the agent's URL (as here).
      return { body: '{}', decode: (count) => count.payload(raw.length, [], dogstatsd(raw.toString('utf8'))) };
    }
    if (path === '/profiling/v1/input') {
      const contentType = String(request.headers['content-type'] ?? '');
      return { body: '{}', decode: (count) => count.payload(raw.length, decodeProfileUpload(contentType, raw)) };
    }
    // Telemetry, remote config, stats: answered so the tracer never logs connection errors; counted by name.
    counter.add(`other:${path}`);
    return { body: '{}' };
  }, { fault: options.fault });
  // Or plain DogStatsD over UDP, when a tracer is given only the host and port.
  const udp = createSocket('udp4');
  udp.on('message', (message) => {
    http.counter.arrivedMs = Date.now();
    http.counter.payload(message.length, [], dogstatsd(message.toString('utf8')));
    http.counter.arrivedMs = undefined;
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  const udpPort = udp.address().port;
  return {
    env: {
      DD_TRACE_AGENT_URL: `http://127.0.0.1:${http.port}`,
      DD_AGENT_HOST: '127.0.0.1',
      DD_TRACE_AGENT_PORT: String(http.port),
      DD_DOGSTATSD_HOST: '127.0.0.1',
      DD_DOGSTATSD_PORT: String(udpPort),
    },
    ...counterWindow(http.counter, http.decodePending, () => { http.dropPending(); seriesInWindow.clear(); }),
    close: async () => {
      udp.close();
      await http.close();
    },
  };
}

export const datadog: Adapter = {
  egress: [
    {
      route: 'a Datadog API key: with it, dd-trace\'s agentless modes (CI Visibility, LLM Observability, log submission, APM agentless) post ' +
        'straight to the intake of DD_SITE (datadoghq.com by default)',
      keys: /^(DD_API_KEY|DATADOG_API_KEY)$/i,
      shut: (value) => value.trim() === '',
      source: 'dd-trace reads DD_API_KEY for DD_CIVISIBILITY_AGENTLESS_ENABLED, DD_LLMOBS_AGENTLESS_ENABLED and DD_AGENTLESS_LOG_SUBMISSION_ENABLED',
    },
    {
      route: 'an agentless switch: dd-trace sends to Datadog directly instead of to the local agent',
      keys: /^DD_[A-Z_]*AGENTLESS[A-Z_]*ENABLED$/i,
      source: 'dd-trace packages/dd-trace/src/config (DD_CIVISIBILITY_AGENTLESS_ENABLED, DD_LLMOBS_AGENTLESS_ENABLED, DD_APM_TRACING_AGENTLESS_ENABLED)',
    },
  ],
  kind: 'datadog',
  label: 'Datadog dd-trace',
  roles: ['tracing'],
  versioned: 'dd-trace',
  starter: { entry: 'datadog: { sampleRate: 1 }', byDefault: true },
  packages: ['dd-trace'],
  // Datadog ingests (and bills) the traces its agent keeps, indexes a share of their spans, and indexes error spans (the
  // "Error Default" retention filter). The tracer keeps at most DD_TRACE_RATE_LIMIT (100) traces/s per process, so the kept
  // share depends on each instance's production rate, not on the bench's.
  bill: ({ measure, requestsPerMonth: req, hosts, fleet, options, pricing }) => {
    const limit = Number((measure.options?.env as Record<string, string> | undefined)?.DD_TRACE_RATE_LIMIT ?? 100);
    const traces = measure.tracesPerRequest ?? 1;
    const keptSpansPerTrace = measure.keptTracesPerRequest ? (measure.keptSpansPerRequest ?? 0) / measure.keptTracesPerRequest : (measure.spansPerRequest ?? 0) / traces;
    const bytesPerKeptSpan = measure.keptSpansPerRequest && measure.keptBytesPerRequest !== undefined
      ? measure.keptBytesPerRequest / measure.keptSpansPerRequest : (measure.bytesPerRequest ?? 0) / (measure.spansPerRequest || 1);
    const share = measure.sampleRate === undefined ? (measure.keptTracesPerRequest ?? traces) / traces : keptTraceShare(measure.sampleRate, fleet.perInstanceRps, traces, limit);
    const keptSpans = traces * share * keptSpansPerTrace * req;
    return datadogBill({
      hosts,
      ingestedGB: (keptSpans * bytesPerKeptSpan) / 1e9,
      // The Continuous Profiler comes with APM Enterprise only: a config that profiles is billed on that plan.
      plan: measure.options?.profiling === true ? 'enterprise' : options.datadogPlan,
      fargate: options.deployment.instanceType === 'fargate',
      indexedSpans: keptSpans * options.datadogIndexedFraction,
      errorSpans: (measure.errorSpansPerRequest ?? 0) * share * req * (options.datadogErrorIndexedFraction ?? 1),
      // Every host reports its own series (the host tag makes them distinct).
      customMetrics: (measure.customMetricSeries ?? 0) * hosts,
      // The Datadog agent tails the app's log files: shipped, every line is ingested (log injection makes it bigger).
      ...(options.logs?.shipped && measure.logBytesPerRequest !== undefined ? {
        logs: { gb: (measure.logBytesPerRequest * req) / 1e9, indexedLines: (measure.logLinesPerRequest ?? 1) * req * options.logs.indexedFraction },
      } : {}),
    }, pricing);
  },
  claims: [
    { source: 'seeds/003', text: 'Adds 2–5% CPU overhead even with conservative sampling', check: cpuBelow(0.05) },
    // Infrastructure ($15) and APM ($31) are both billed per host, on top of each other, plus volumes.
    { source: 'seeds/000', text: 'Datadog costs $15–31/host/month', check: billPerHostWithin(15, 31) },
  ],
  priceNote: '"$5 per 1M spans" (seeds/003) is not a Datadog price: Datadog charges $0.10/GB ingested and $1.70 per 1M indexed spans.',
  entrySchema,
  matches: (entry) => typeof entry === 'object' && entry !== null && 'datadog' in entry,
  expand(entry, ctx) {
    const parsed = (entry as z.output<typeof entrySchema>).datadog;
    const agent = resolveAgent('dd-trace', ctx, tested);
    const rate = [parsed.sampleRate].flat()[0]!;
    const esm = ctx.moduleSystem === 'esm';
    const steps: Array<{ name: string; options: Record<string, unknown> }> = parsed.ladder
      ? [
        { name: ladderName('datadog', parsed.name, 'L1'), options: { ...parsed, sampleRate: rate, enabled: false, ladder: 'L1' } },
        { name: ladderName('datadog', parsed.name, 'L2'), options: { ...parsed, sampleRate: 0, ladder: 'L2' } },
        { name: ladderName('datadog', parsed.name, 'L4'), options: { ...parsed, sampleRate: rate, ladder: 'L4' } },
      ]
      : expandSweep('datadog', parsed, ['sampleRate'], 'sampleRate');
    return steps.map(({ name, options: o }) => {
      const sampleRate = o.sampleRate as number;
      const enabled = o.enabled !== false;
      return {
        name,
        kind: 'datadog',
        preloads: [esm ? esmInit(agent) : join(agent.dir, 'init.js')],
        loading: esm ? '--import dd-trace/initialize.mjs (ESM)' : '--require dd-trace/init (CommonJS)',
        instruments: ['fastify', 'http', 'pg', 'mysql2', 'ioredis', 'redis', 'mongodb', 'undici'],
        env: {
          DD_SERVICE: 'apm-bench-target',
          DD_ENV: 'bench',
          DD_VERSION: '1.0.0',
          DD_TRACE_ENABLED: String(enabled),
          DD_TRACE_SAMPLE_RATE: String(sampleRate),
          DD_PROFILING_ENABLED: String(parsed.profiling),
          DD_RUNTIME_METRICS_ENABLED: String(parsed.runtimeMetrics),
          DD_APPSEC_ENABLED: String(parsed.appsec),
          DD_LOGS_INJECTION: String(parsed.logInjection),
          DD_INSTRUMENTATION_TELEMETRY_ENABLED: String(parsed.telemetry),
          DD_REMOTE_CONFIGURATION_ENABLED: String(parsed.remoteConfig),
          DD_TRACE_STARTUP_LOGS: 'false',
          DD_CRASHTRACKING_ENABLED: 'false',
          ...parsed.env,
        },
        nodeOptions: [],
        options: { ...o, sampleRate },
        sampleRate,
        agent,
        createIntake: startAgentIntake,
        // dd-trace flushes its buffer every DD_TRACE_FLUSH_INTERVAL ms, 2000 by default (its config/supported-configurations.json).
        periodsMs: [Number(parsed.env.DD_TRACE_FLUSH_INTERVAL ?? 2000) || 2000],
        intakeFault: parsed.intake,
        validate: (counts: IntakeCounts | undefined) =>
          enabled && (counts?.items.spans ?? 0) === 0 ? ['dd-trace delivered no spans to the local agent: the tracer did not load or did not export'] : [],
      };
    });
  },
};
