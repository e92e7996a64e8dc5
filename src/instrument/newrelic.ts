import { removeTemporaryDirectory, temporaryDirectory } from '../cleanup.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { versionOption, configNameOption } from './versions.js';
import { roleClaims } from '../analysis/claims.js';
import { InputError } from '../errors.js';
import { priceSchema, vendorSection } from '../cost/pricing.js';
import { counterWindow, decodeBody, startHttpIntake, type IntakeReply, type TimedItem } from './intake-server.js';
import { resolveAgent, type AgentBundle } from './resolve-agent.js';

/** What the agent cache installs when the app has no newrelic: the version apm-bench is tested with. */
export const tested: AgentBundle = { newrelic: '13.20.0' };
import { expandSweep, sweepable } from './sweep.js';
import { faultSuffix, intakeFaultSchema } from './fault.js';
import type { Adapter, Intake, IntakeCounts, IntakeOptions } from './types.js';

/**
 * New Relic: the real `newrelic` agent, preloaded with `--require newrelic`
 * and configured by NEW_RELIC_* variables, talking to a local stand-in for
 * the collector. The agent insists on TLS, so the intake serves HTTPS with a
 * certificate made for this session and trusted through NODE_EXTRA_CA_CERTS.
 */
const options = z.strictObject({
  version: versionOption,
  name: configNameOption,
  intake: intakeFaultSchema.optional(),
  distributedTracing: z.boolean().default(true).meta({ description: 'Distributed tracing, and so span events (the agent\'s default).' }),
  samplingTarget: sweepable(z.number().int().min(0)).default(10).meta({
    description: 'Transactions sampled for span events per minute, as the collector sets it (New Relic\'s default: 10). A list sweeps it.',
  }),
  logForwarding: z.boolean().default(false).meta({ description: 'Application log forwarding (needs a supported logger in the app).' }),
  env: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra NEW_RELIC_* settings.' }),
});

const entrySchema = z.strictObject({ newrelic: options.default({} as never) }).meta({ title: 'New Relic newrelic' });

const HARVEST_MS = 5000;

/** What a real collector answers to connect, with New Relic's real-time streaming harvest (a 5 s event cycle). */
function connectReply(runId: string, samplingTarget: number) {
  return {
    agent_run_id: runId,
    // Real-time streaming: events every 5 s, with the default per-minute limits scaled to the cycle.
    event_harvest_config: {
      report_period_ms: HARVEST_MS,
      harvest_limits: { analytic_event_data: 833, custom_event_data: 833, error_event_data: 8, log_event_data: 833 },
    },
    span_event_harvest_config: { report_period_ms: HARVEST_MS, harvest_limit: 166 },
    sampling_target: samplingTarget,
    sampling_target_period_in_seconds: 60,
    collect_errors: true,
    collect_traces: true,
    messages: [{ message: 'Reporting to the apm-bench local collector', level: 'INFO' }],
  };
}

/** Event timestamps come in milliseconds, except error events (seconds). */
function epochMs(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n)) return Date.now();
  return n < 1e11 ? n * 1000 : n;
}

/** The first three parts of a New Relic metric name ("Datastore/statement/Postgres"): the library, not the table or route. */
function segmentOf(name: unknown): string {
  return String(name ?? '').split('/').slice(0, 3).join('/');
}

/**
 * Decode one collector call into timed items (counted by their own time) and
 * untimed counts (by arrival). Events are [intrinsics, user, agent] triples
 * whose intrinsics carry the timestamp.
 */
export function decodeCollectorCall(method: string, body: unknown): { timed: TimedItem[]; untimed: Record<string, number> } {
  const events = (kind: string) => {
    const list = Array.isArray(body) && Array.isArray(body[2]) ? (body[2] as unknown[][]) : [];
    return list.map((event) => ({ kind, tMs: epochMs((event?.[0] as { timestamp?: unknown } | undefined)?.timestamp) }));
  };
  switch (method) {
    case 'span_event_data': {
      // Intrinsics name the segment ("Datastore/statement/Postgres/users/select") and the library that made it (component).
      const list = Array.isArray(body) && Array.isArray(body[2]) ? (body[2] as unknown[][]) : [];
      return {
        timed: list.map((event) => {
          const intrinsics = (event?.[0] ?? {}) as { timestamp?: unknown; name?: unknown; component?: unknown; category?: unknown };
          const library = String(intrinsics.component ?? intrinsics.category ?? 'unknown');
          return { kind: 'spans', tMs: epochMs(intrinsics.timestamp), names: [`${segmentOf(intrinsics.name)} (${library})`] };
        }),
        untimed: {},
      };
    }
    case 'analytic_event_data': {
      // events_seen: transactions before the reservoir sampled them down to the harvest limit.
      const seen = Number((body as [unknown, { events_seen?: number }])[1]?.events_seen ?? 0);
      // A transaction's name says what instrumented it ("WebTransaction/WebFrameworkUri/Fastify/GET//json"); span events
      // are sampled (a few per minute), transaction events are not.
      const list = Array.isArray(body) && Array.isArray(body[2]) ? (body[2] as unknown[][]) : [];
      const timed = list.map((event) => {
        const intrinsics = (event?.[0] ?? {}) as { timestamp?: unknown; name?: unknown };
        return { kind: 'transactions', tMs: epochMs(intrinsics.timestamp), names: [`${segmentOf(intrinsics.name)} (transaction)`] };
      });
      return { timed, untimed: { transactionEventsSeen: seen } };
    }
    case 'error_event_data': return { timed: events('errorEvents'), untimed: {} };
    case 'custom_event_data': return { timed: events('customEvents'), untimed: {} };
    case 'log_event_data': {
      const logs = Array.isArray(body) ? (body as Array<{ logs?: Array<{ timestamp?: unknown }> }>).flatMap((group) => group.logs ?? []) : [];
      return { timed: logs.map((log) => ({ kind: 'logs', tMs: epochMs(log.timestamp) })), untimed: {} };
    }
    case 'metric_data': {
      const timeslices = Array.isArray(body) && Array.isArray(body[3]) ? body[3].length : 0;
      return { timed: [], untimed: { metricPayloads: 1, metricTimeslices: timeslices } };
    }
    case 'error_data': return { timed: [], untimed: { errorTraces: Array.isArray(body) && Array.isArray(body[1]) ? body[1].length : 0 } };
    case 'transaction_sample_data': return { timed: [], untimed: { transactionTraces: Array.isArray(body) && Array.isArray(body[1]) ? body[1].length : 0 } };
    case 'sql_trace_data': return { timed: [], untimed: { sqlTraces: Array.isArray(body) && Array.isArray(body[0]) ? body[0].length : 0 } };
    default: return { timed: [], untimed: { [`other:${method}`]: 1 } };
  }
}

/** A local collector on 127.0.0.1 over HTTPS: preconnect, connect, then every data call decoded and counted. */
async function startCollector(samplingTarget: number, options: IntakeOptions = {}): Promise<Intake> {
  const dir = temporaryDirectory('apm-bench-newrelic-');
  // selfsigned pulls in a whole X.509 stack (about 0.2 s to load): only a New Relic intake needs it.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    notAfterDate: new Date(Date.now() + 86_400_000),
    // EC keys generate in milliseconds; a 2048-bit RSA key can take a second.
    keyType: 'ec',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  });
  const caFile = join(dir, 'collector-ca.pem');
  writeFileSync(caFile, pems.cert);
  let port = 0;
  const answer = (value: unknown): IntakeReply => ({ body: JSON.stringify({ return_value: value }) });
  // Events leave the agent once per harvest cycle: allow that, plus a second for the request itself.
  const intake = await startHttpIntake((request, raw) => {
    const method = new URL(request.url ?? '/', 'https://collector').searchParams.get('method') ?? 'unknown';
    if (method === 'preconnect') return answer({ redirect_host: `127.0.0.1:${port}`, security_policies: {} });
    if (method === 'connect') return answer(connectReply('apm-bench-run', samplingTarget));
    if (['agent_settings', 'shutdown', 'get_agent_commands'].includes(method)) return answer(null);
    return {
      ...answer(null),
      decode: (count) => {
        const { timed, untimed } = decodeCollectorCall(method, JSON.parse(decodeBody(request.headers['content-encoding'], raw).toString('utf8')));
        count.payload(raw.length, timed, untimed);
      },
    };
  }, { harvestMs: HARVEST_MS + 1000, tls: { key: pems.private, cert: pems.cert }, fault: options.fault });
  port = intake.port;
  return {
    env: { NEW_RELIC_HOST: '127.0.0.1', NEW_RELIC_PORT: String(port), NODE_EXTRA_CA_CERTS: caFile },
    ...counterWindow(intake.counter, intake.decodePending, intake.dropPending),
    close: async () => {
      await intake.close();
      removeTemporaryDirectory(dir);
    },
  };
}

const prices = z.strictObject({ freeGBPerMonth: priceSchema, perGB: z.record(z.string(), priceSchema), fullPlatformUserMonthly: priceSchema.optional() });

/** Any 40 characters: the local collector does not check it, and no real key may reach the target. */
const LOCAL_LICENSE_KEY = 'apmbench0000000000000000000000000000NRAL';

export const newrelic: Adapter = {
  egress: [
    {
      route: 'a New Relic licence key: without NEW_RELIC_HOST the agent connects to the collector its key\'s region names (collector.newrelic.com)',
      keys: /^NEW_RELIC_LICENSE_KEY$/i,
      shut: (value) => value === LOCAL_LICENSE_KEY,
      source: 'New Relic Node agent configuration: license_key, host',
    },
    {
      route: 'cloud metadata lookups (169.254.169.254, metadata.google.internal) for utilization data',
      keys: /^NEW_RELIC_UTILIZATION_DETECT_[A-Z]+$/i,
      source: 'newrelic lib/utilization/aws-info.js, gcp-info.js, azure-info.js (utilization.detect_*)',
    },
  ],
  kind: 'newrelic',
  label: 'New Relic newrelic',
  roles: ['tracing'],
  versioned: 'newrelic',
  starter: { entry: 'newrelic: {}' },
  packages: ['newrelic'],
  // New Relic bills data ingested (every event, span, metric and log payload) past the free 100 GB; user seats are separate.
  bill: ({ measure, requestsPerMonth, options, pricing }) => {
    const parsed = prices.safeParse(vendorSection(pricing, 'newrelic'));
    if (!parsed.success) throw new InputError('the pricing file has no valid "newrelic" section (freeGBPerMonth, perGB.original): add one with --pricing.');
    const rate = parsed.data.perGB.original ?? Object.values(parsed.data.perGB)[0]!;
    const gb = ((measure.bytesPerRequest ?? 0) * requestsPerMonth) / 1e9;
    const free = parsed.data.freeGBPerMonth.value;
    const over = Math.max(0, gb - free);
    const formula = `max(0, ${gb.toPrecision(3)} GB − ${free} GB free) × $${rate.value.toFixed(2)} (${rate.unit})`;
    const ingest = { label: 'New Relic data ingest', usd: over * rate.value, formula };
    const seats = options.newrelicSeats ?? 0;
    if (seats === 0) return [ingest];
    const seat = parsed.data.fullPlatformUserMonthly;
    // Seat prices depend on the edition and the contract; the default file has no source for one, so only a user's price is used.
    return [ingest, seat
      ? { label: 'New Relic full platform users', usd: seats * seat.value, formula: `${seats} users × $${seat.value}/month` }
      : { label: 'New Relic full platform users', usd: 0, formula: `${seats} users, not priced: set newrelic.fullPlatformUserMonthly in your --pricing file` }];
  },
  claims: [roleClaims[0]!],
  priceNote: 'New Relic bills data ingested (100 GB free, then per GB: Original Data or Data Plus) plus user seats (--newrelic-seats, at the price in your --pricing file). '
    + 'The agent keeps at most 833 transaction events per 5 s harvest, so above ~166 req/s per instance it drops events and bytes per request read low: '
    + 'bench at your per-instance rate. Metric data leaves once a minute and counts only when a harvest falls inside a window.',
  entrySchema,
  matches: (entry) => typeof entry === 'object' && entry !== null && 'newrelic' in entry,
  expand(entry, ctx) {
    const parsed = (entry as z.output<typeof entrySchema>).newrelic;
    const agent = resolveAgent('newrelic', ctx, tested);
    const esm = ctx.moduleSystem === 'esm';
    return expandSweep('newrelic', parsed, ['samplingTarget'], 'samplingTarget').map(({ name, options: o }) => {
      const samplingTarget = o.samplingTarget as number;
      return {
        name: Array.isArray(parsed.samplingTarget) ? name : `${parsed.name ?? 'newrelic'}${faultSuffix(parsed.intake)}`,
        kind: 'newrelic',
        // Its README's ESM start: node --import newrelic/esm-loader.mjs -r newrelic app.js
        preloads: esm ? [join(agent.dir, 'esm-loader.mjs'), join(agent.dir, 'index.js')] : [join(agent.dir, 'index.js')],
        loading: esm ? '--import newrelic/esm-loader.mjs --require newrelic (ESM)' : '--require newrelic (CommonJS)',
        instruments: ['fastify', 'http', 'pg', 'mysql2', 'ioredis', 'redis', 'mongodb', 'undici'],
        env: {
          NEW_RELIC_NO_CONFIG_FILE: 'true',
          NEW_RELIC_APP_NAME: 'apm-bench-target',
          NEW_RELIC_LICENSE_KEY: LOCAL_LICENSE_KEY,
          NEW_RELIC_DISTRIBUTED_TRACING_ENABLED: String(parsed.distributedTracing),
          NEW_RELIC_APPLICATION_LOGGING_FORWARDING_ENABLED: String(parsed.logForwarding),
          NEW_RELIC_LOG_ENABLED: 'false',
          // Cloud metadata lookups (169.254.169.254, metadata.google.internal) would leave the machine.
          NEW_RELIC_UTILIZATION_DETECT_AWS: 'false',
          NEW_RELIC_UTILIZATION_DETECT_AZURE: 'false',
          NEW_RELIC_UTILIZATION_DETECT_GCP: 'false',
          NEW_RELIC_UTILIZATION_DETECT_PCF: 'false',
          NEW_RELIC_UTILIZATION_DETECT_KUBERNETES: 'false',
          NEW_RELIC_UTILIZATION_DETECT_DOCKER: 'false',
          ...parsed.env,
        },
        nodeOptions: [],
        options: { ...o, samplingTarget },
        agent,
        createIntake: (intakeOptions) => startCollector(samplingTarget, intakeOptions),
        // Every harvest cycle is set to HARVEST_MS in the agent's config above.
        periodsMs: [HARVEST_MS],
        intakeFault: parsed.intake,
        validate: (counts: IntakeCounts | undefined) =>
          (counts?.items.transactions ?? 0) === 0 && (counts?.items.spans ?? 0) === 0
            ? ['the New Relic agent delivered no transaction events or spans to the local collector: it did not load, or did not connect']
            : [],
      };
    });
  },
};
