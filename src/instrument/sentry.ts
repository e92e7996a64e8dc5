import { join } from 'node:path';
import { z } from 'zod';
import { versionOption, configNameOption } from './versions.js';
import { packageRoot } from '../paths.js';
import { counterWindow, decodeBody, startHttpIntake, type TimedItem } from './intake-server.js';
import { resolveAgent, type AgentBundle, type ResolvedAgent } from './resolve-agent.js';

/** What the agent cache installs when the app has no @sentry/node: the versions apm-bench is tested with, profiler beside (they share @sentry/core). */
export const tested: AgentBundle = { '@sentry/node': '10.75.3', '@sentry/profiling-node': '10.75.3' };
import { InputError } from '../errors.js';
import { expandSweep, sweepable } from './sweep.js';
import { intakeFaultSchema } from './fault.js';
import { ladderName, ladderTakesOneRate } from './ladder.js';
import { billPerTransactionNear, minimalOverheadClaim } from '../analysis/claims.js';
import { sentryBill } from '../cost/project.js';
import type { Adapter, IntakeCounts, IntakeOptions } from './types.js';

/**
 * Sentry: the real @sentry/node, initialised by a preload with the scenario's
 * options; its DSN points at a local envelope endpoint that parses every item.
 */
const options = z.strictObject({
  version: versionOption,
  name: configNameOption,
  intake: intakeFaultSchema.optional(),
  tracesSampleRate: sweepable(z.number().min(0).max(1)).default(1),
  profilesSampleRate: z.number().min(0).max(1).default(0).meta({
    description: 'Transaction profiling with @sentry/profiling-node (its version must match @sentry/node): the share of sampled transactions profiled. ' +
      'The SDK drops a profile with fewer than two samples (10 ms apart), so only slower requests send one.',
  }),
  profileSessionSampleRate: z.number().min(0).max(1).default(0).meta({
    description: 'Continuous profiling (profileLifecycle "trace"): the share of processes that profile while spans are active, sent as profile chunks.',
  }),
  sendDefaultPii: z.boolean().default(false),
  scrubPii: z.boolean().default(false).meta({
    description: 'A beforeSend (and beforeSendTransaction) that scrubs request bodies, cookies, auth headers, query strings and user fields, as the seed guides\' ' +
      'filter_sensitive_data does: its CPU is measured with the rest.',
  }),
  disableIntegrations: z.array(z.string()).default([]).meta({ description: 'Default integrations to switch off, by name (e.g. "Http", "Fastify").' }),
  ladder: z.boolean().default(false).meta({ description: 'Overhead ladder: L1 no tracing, L2 sampling 0, L3 sampled but dropped in-process, L4 full export.' }),
}).superRefine(ladderTakesOneRate('tracesSampleRate'));

const entrySchema = z.strictObject({ sentry: options.default({} as never) }).meta({ title: 'Sentry @sentry/node' });

interface SentrySpan { op?: string; origin?: string }

/** A span as Sentry labels it: its op and the integration that made it ("db (auto.db.otel.postgres)"). */
function sentrySpanLabel(span: SentrySpan): string {
  return `${span.op ?? 'default'} (${span.origin ?? 'manual'})`;
}

/**
 * Parse a Sentry envelope: a header line, then (item header, payload) pairs.
 * An item header may give `length`; otherwise the payload runs to the newline.
 */
export function decodeEnvelope(body: Buffer): { timed: TimedItem[]; untimed: Record<string, number> } {
  const timed: TimedItem[] = [];
  const untimed: Record<string, number> = {};
  let offset = body.indexOf(0x0a);
  if (offset < 0) return { timed, untimed };
  offset += 1;
  while (offset < body.length) {
    const headerEnd = body.indexOf(0x0a, offset);
    const headerText = body.subarray(offset, headerEnd < 0 ? body.length : headerEnd).toString('utf8').trim();
    if (!headerText) { offset = headerEnd < 0 ? body.length : headerEnd + 1; continue; }
    const header = JSON.parse(headerText) as { type: string; length?: number };
    const start = headerEnd < 0 ? body.length : headerEnd + 1;
    let end: number;
    if (typeof header.length === 'number') end = start + header.length;
    else {
      const newline = body.indexOf(0x0a, start);
      end = newline < 0 ? body.length : newline;
    }
    const payload = body.subarray(start, end);
    offset = end + 1;
    // Sentry timestamps are seconds since the epoch, as floats.
    switch (header.type) {
      case 'event': {
        const event = JSON.parse(payload.toString('utf8')) as { timestamp?: number };
        timed.push({ kind: 'errorEvents', tMs: (event.timestamp ?? Date.now() / 1000) * 1000 });
        break;
      }
      case 'transaction': {
        const transaction = JSON.parse(payload.toString('utf8')) as { spans?: SentrySpan[]; start_timestamp?: number; contexts?: { trace?: SentrySpan } };
        const tMs = (transaction.start_timestamp ?? Date.now() / 1000) * 1000;
        // The transaction is itself a span, and Sentry bills it as one.
        const names = [transaction.contexts?.trace ?? {}, ...(transaction.spans ?? [])].map(sentrySpanLabel);
        timed.push({ kind: 'transactions', tMs }, { kind: 'spans', tMs, n: 1 + (transaction.spans?.length ?? 0), names });
        break;
      }
      case 'span': {
        const span = JSON.parse(payload.toString('utf8')) as SentrySpan & { start_timestamp?: number };
        timed.push({ kind: 'spans', tMs: (span.start_timestamp ?? Date.now() / 1000) * 1000, names: [sentrySpanLabel(span)] });
        break;
      }
      case 'profile':
        untimed.profiles = (untimed.profiles ?? 0) + 1;
        break;
      case 'profile_chunk':
        untimed.profileChunks = (untimed.profileChunks ?? 0) + 1;
        break;
      default:
        untimed[`other:${header.type}`] = (untimed[`other:${header.type}`] ?? 0) + 1;
    }
  }
  return { timed, untimed };
}

async function startEnvelopeIntake(options: IntakeOptions = {}) {
  const http = await startHttpIntake((request, raw, counter) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (/^\/api\/\d+\/envelope\/?$/.test(path)) {
      const encoding = request.headers['content-encoding'];
      return {
        body: '{}',
        decode: (count) => {
          const { timed, untimed } = decodeEnvelope(decodeBody(encoding, raw));
          count.payload(raw.length, timed, untimed);
        },
      };
    }
    counter.add(`other:${path}`);
    return { body: '{}' };
  }, { fault: options.fault });
  return {
    env: { APM_BENCH_SENTRY_DSN: `http://apmbenchpublickey@127.0.0.1:${http.port}/1` },
    ...counterWindow(http.counter, http.decodePending, http.dropPending),
    close: http.close,
  };
}

/** @sentry/profiling-node from the app first, at exactly the app's @sentry/node version: the two share @sentry/core. */
function profilingPackage(node: ResolvedAgent, targetDir: string): ResolvedAgent {
  const profiler = resolveAgent('@sentry/profiling-node', { targetDir }, tested);
  if (profiler.version !== node.version) {
    throw new InputError(`sentry.profilesSampleRate needs @sentry/profiling-node at the version of @sentry/node (${node.version}), but found ` +
      `${profiler.version} (${profiler.dir}). Install it beside @sentry/node: npm install @sentry/profiling-node@${node.version}`);
  }
  return profiler;
}

export const sentry: Adapter = {
  egress: [{
    route: 'Sentry Spotlight: a copy of every envelope to a sidecar (true means http://localhost:8969/stream)',
    keys: /^SENTRY_SPOTLIGHT$/i,
    source: 'getsentry/sentry-docs develop-docs/sdk/expected-features/spotlight.mdx; @sentry/node reads SENTRY_SPOTLIGHT',
  }],
  kind: 'sentry',
  label: 'Sentry @sentry/node',
  roles: ['tracing'],
  versioned: '@sentry/node',
  starter: { entry: 'sentry: { tracesSampleRate: 1.0 }' },
  packages: ['@sentry/node'],
  bill: ({ measure, requestsPerMonth: req, options, pricing }) => sentryBill({
    errors: (measure.errorEventsPerRequest ?? 0) * req, spans: (measure.spansPerRequest ?? 0) * req, plan: options.sentryPlan, billing: options.sentryBilling ?? 'payg',
  }, pricing),
  claims: [
    minimalOverheadClaim,
    // The old transaction-based price; Sentry now bills spans (every transaction is one, plus its children).
    { source: 'seeds/004', text: 'Sentry performance monitoring costs $0.00025 per transaction', check: billPerTransactionNear(0.00025) },
  ],
  priceNote: 'Sentry Team "50K events" means 50k errors plus 5M spans; "$0.00025/transaction" comes from the old transaction-based plans (seeds/001, 004).',
  entrySchema,
  matches: (entry) => typeof entry === 'object' && entry !== null && 'sentry' in entry,
  expand(entry, ctx) {
    const parsed = (entry as z.output<typeof entrySchema>).sentry;
    const agent = resolveAgent('@sentry/node', ctx, tested);
    const esm = ctx.moduleSystem === 'esm';
    const profiler = parsed.profilesSampleRate > 0 || parsed.profileSessionSampleRate > 0 ? profilingPackage(agent, ctx.targetDir) : undefined;
    const steps = parsed.ladder
      ? (() => {
        const rate = [parsed.tracesSampleRate].flat()[0]!;
        const base = { ...parsed, ladder: undefined };
        return [
          { name: ladderName('sentry', parsed.name, 'L1'), options: { ...base, tracesSampleRate: 0, tracing: false, ladder: 'L1' } },
          { name: ladderName('sentry', parsed.name, 'L2'), options: { ...base, tracesSampleRate: 0, ladder: 'L2' } },
          { name: ladderName('sentry', parsed.name, 'L3'), options: { ...base, tracesSampleRate: rate, dropTransactions: true, ladder: 'L3' } },
          { name: ladderName('sentry', parsed.name, 'L4'), options: { ...base, tracesSampleRate: rate, ladder: 'L4' } },
        ];
      })()
      : expandSweep('sentry', parsed, ['tracesSampleRate'], 'tracesSampleRate');
    return steps.map(({ name, options: o }) => ({
      name,
      kind: 'sentry',
      preloads: [join(packageRoot, 'preloads', esm ? 'sentry.mjs' : 'sentry.cjs')],
      loading: esm ? '--import of an instrument file that imports @sentry/node\'s ES build and calls init (ESM)' : '--require of an instrument file that calls init (CommonJS)',
      instruments: ['fastify', 'http', 'pg', 'mysql2', 'ioredis', 'redis', 'mongodb', 'undici'],
      env: {
        APM_BENCH_SENTRY_MODULE: agent.dir,
        APM_BENCH_SENTRY_OPTIONS: JSON.stringify(o),
        ...(profiler ? { APM_BENCH_SENTRY_PROFILING_MODULE: profiler.dir } : {}),
      },
      nodeOptions: [],
      options: o,
      sampleRate: o.tracesSampleRate as number,
      agent,
      createIntake: startEnvelopeIntake,
      intakeFault: parsed.intake,
      validate: (counts: IntakeCounts | undefined) =>
        (o.tracesSampleRate as number) > 0 && !(o as { dropTransactions?: boolean }).dropTransactions && (counts?.items.spans ?? 0) === 0
          ? ['@sentry/node delivered no transactions to the local intake although tracesSampleRate > 0: the SDK did not load or did not export']
          : [],
    }));
  },
};
