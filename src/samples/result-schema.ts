import { inflateSync } from 'node:zlib';
import { z } from 'zod';
import { behaviourMetrics, growthMetrics, metricNames, volumeMetrics } from './metrics.js';

/**
 * The whole result document as a schema, checked when a saved file is read:
 * reports, cost and compare see only fields this has checked, and a damaged or
 * hand-edited file is an input error naming the JSON path. Objects strip keys
 * the schema does not name, so nothing unchecked reaches a reader. Cross-field
 * rules (runs' configs exist, pairs are pairs, one round per pair) follow.
 */

const finite = z.number();
const nonNegative = z.number().nonnegative();
const count = z.number().int().nonnegative();
const positive = z.number().positive();
const counts = z.record(z.string(), nonNegative);

/** Names that every JavaScript object already has: as a config or route name they would be looked up on the prototype. */
const prototypeNames = new Set(Object.getOwnPropertyNames(Object.prototype));
export function isPrototypeName(name: string): boolean {
  return prototypeNames.has(name);
}

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;
export const recordedName = z.string().min(1, 'expected a non-empty name').max(200)
  .refine((name) => !controlCharacters.test(name), 'a name with control characters (newlines, escapes)')
  .refine((name) => !isPrototypeName(name), 'a name every JavaScript object already has (__proto__, toString…)');

const isoTime = z.string().refine((text) => /^\d{4}-\d\d-\d\dT/.test(text) && Number.isFinite(Date.parse(text)), 'expected an ISO 8601 time');

/** The HDR histogram's compressed encoding: base64 of a cookie, a length and a zlib stream (hdr-histogram-js). */
function isCompressedHistogram(text: string): boolean {
  if (text === '') return true;
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x1c849314) return false;
  try {
    const inner = inflateSync(bytes.subarray(8), { maxOutputLength: 64 * 1024 * 1024 });
    return inner.length >= 4 && inner.readUInt32BE(0) === 0x1c849313;
  } catch {
    return false;
  }
}

const sendLag = z.object({ p50: finite, p99: finite, max: finite });
const load = z.object({
  sent: count,
  statusCounts: counts,
  statusByRoute: z.record(z.string(), counts),
  failedByRoute: z.record(z.string(), counts).optional(),
  unexpectedStatuses: count,
  socketErrors: count,
  timeouts: count,
  maxInFlight: count,
  connections: count,
  sendLagUs: sendLag,
});

const latency = z.object({
  count: count, mean: nonNegative, p50: nonNegative, p90: nonNegative, p99: nonNegative, p999: nonNegative, max: nonNegative,
  histogram: z.string().max(16 * 1024 * 1024).refine(isCompressedHistogram, 'expected an HDR histogram in compressed base64'),
});

const intake = z.object({
  payloads: nonNegative,
  payloadBytes: nonNegative,
  items: counts,
  spanNames: counts.optional(),
  perRequest: counts,
  bytesPerRequest: nonNegative,
});

const identity = {
  index: count,
  unit: count,
  round: count,
  pair: count,
  config: recordedName,
  side: z.enum(['baseline', 'candidate']),
  slot: z.union([z.literal(0), z.literal(1)]),
  offeredRps: positive,
  startedAt: isoTime,
};

const measuredRun = z.object({
  ...identity,
  status: z.literal('measured'),
  exclusions: z.array(z.string()),
  warnings: z.array(z.string()),
  targetPid: count,
  nodeVersion: z.string().optional(),
  port: count,
  measuredMs: positive,
  requests: count,
  achievedRps: nonNegative,
  cpuMsPerRequest: nonNegative,
  cpuMsPerSecond: nonNegative,
  cpu: z.object({ userMs: nonNegative, systemMs: nonNegative, procMs: nonNegative, procTicks: count }),
  rssMeanBytes: nonNegative,
  rssPeakBytes: nonNegative,
  heapUsedBytes: nonNegative,
  heapPeakBytes: nonNegative,
  externalBytes: nonNegative,
  eventLoopUtilization: z.number().min(0).max(1),
  eventLoopDelayUs: z.object({ p50: nonNegative, p99: nonNegative, max: nonNegative, mean: nonNegative }),
  gcPauseMsTotal: nonNegative,
  gcCount: count,
  load,
  latencyUs: latency,
  latencySource: z.enum(['solo', 'window']),
  latencyLoad: load.optional(),
  noise: z.object({ stealPercent: finite, loadAverage1m: nonNegative, harnessCpuPercent: finite }),
  timeline: z.array(z.object({ tMs: finite, cpuPercent: finite, rssBytes: nonNegative })),
  logs: z.object({ bytes: nonNegative, lines: count, bytesPerRequest: nonNegative, linesPerRequest: nonNegative }).optional(),
  soak: z.array(z.object({
    tMs: finite, heapAfterGcBytes: nonNegative, rssBytes: nonNegative, externalBytes: nonNegative, arrayBuffersBytes: nonNegative, handles: count, cpuUs: nonNegative,
  })).optional(),
  intake: intake.optional(),
  maxThroughputRps: nonNegative.optional(),
});

const failedRun = z.object({
  ...identity,
  status: z.literal('failed'),
  failure: z.object({ reason: z.string(), outputTail: z.string(), exitCode: z.number().int().nullable().optional(), signal: z.string().nullable().optional() }),
});

const skippedRun = z.object({ ...identity, status: z.literal('skipped'), reason: z.string() });

const budgetMetric = z.enum([...metricNames, ...Object.keys(volumeMetrics), ...Object.keys(growthMetrics), ...Object.keys(behaviourMetrics)] as [string, ...string[]]);
export const budgetSchema = z.object({
  config: z.string().min(1).max(200),
  metric: budgetMetric,
  kind: z.enum(['relative', 'absolute', 'volume', 'growth']),
  limit: z.number().min(-1e9).max(1e9),
  text: z.string(),
});
const moneyBudget = z.object({ config: z.string().min(1).max(200), limitUsdPerMonth: z.number().positive().max(1e12), text: z.string() });

const configRecord = z.object({
  name: recordedName,
  kind: z.string().min(1),
  preloads: z.array(z.string()),
  options: z.record(z.string(), z.unknown()),
  sampleRate: z.number().min(0).max(1).optional(),
  envKeys: z.array(z.string()),
  agent: z.object({
    package: z.string(), version: z.string(), dir: z.string().optional(), from: z.enum(['target', 'apm-bench', 'cache']), why: z.enum(['pinned', 'tested']).optional(),
  }).optional(),
  loading: z.string().optional(),
  instruments: z.array(z.string()).optional(),
  runtime: z.object({ spec: z.string(), label: z.string(), execPath: z.string() }).optional(),
});

export const calibrationSchema = z.object({
  design: z.enum(['co-scheduled', 'sequential']),
  pairs: count,
  metrics: z.record(z.string(), z.object({ logRatioSD: nonNegative, minimumDetectableEffect: z.record(z.string(), nonNegative) })),
});

const functionTime = z.object({ bucket: z.string(), functionName: z.string(), url: z.string(), line: finite, selfMs: nonNegative });
const stacks = z.array(z.object({ frames: z.array(z.string()), ms: nonNegative }));
const profiling = z.object({
  intervalUs: positive,
  rateRps: positive,
  runs: z.array(z.discriminatedUnion('status', [
    z.object({ config: recordedName, status: z.literal('measured'), file: z.string(), requests: count, cpuMsPerRequest: nonNegative }),
    z.object({ config: recordedName, status: z.literal('failed'), reason: z.string() }),
  ])),
  attribution: z.array(z.object({
    config: recordedName,
    baseline: recordedName,
    rows: z.array(z.object({ bucket: z.string(), configMsPerRequest: finite, baselineMsPerRequest: finite, deltaMsPerRequest: finite })),
    profiledDeltaMsPerRequest: finite,
    measuredDeltaMsPerRequest: finite.optional(),
    attributedShare: finite.optional(),
    topFunctions: z.array(functionTime.extend({ deltaMsPerRequest: finite })),
    notCovered: z.string(),
  })),
  stacks: z.record(z.string(), stacks),
});

const gateCase = z.object({ config: z.string(), check: z.string(), verdict: z.enum(['pass', 'fail', 'inconclusive']), measured: z.string(), note: z.string().optional() });

export const resultSchema = z.object({
  schemaVersion: z.literal(2),
  tool: z.object({ name: z.literal('apm-bench'), version: z.string() }),
  status: z.enum(['running', 'complete', 'interrupted', 'failed']),
  startedAt: isoTime,
  finishedAt: isoTime.optional(),
  scenario: z.object({
    name: recordedName,
    file: z.string(),
    sha256: z.string(),
    baseline: recordedName,
    workload: z.record(z.string(), z.unknown()),
    overrides: z.record(z.string(), z.string()).optional(),
    budgets: z.array(budgetSchema),
    moneyBudgets: z.array(moneyBudget).optional(),
    logs: z.object({ shipped: z.boolean(), indexedFraction: z.number().min(0).max(1) }).optional(),
    target: z.object({
      kind: z.string(),
      path: z.string(),
      moduleSystem: z.object({ kind: z.enum(['esm', 'commonjs']), why: z.string() }).optional(),
      uses: z.array(z.string()).optional(),
    }),
  }),
  design: z.object({
    kind: z.enum(['co-scheduled', 'sequential']),
    seed: z.number().int(),
    arrival: z.enum(['constant', 'poisson']),
    ratesRps: z.array(positive.max(1_000_000)).min(1),
    latencyMs: nonNegative,
    note: z.string().optional(),
    soak: z.object({ durationMs: positive, sampleMs: positive, warmupShare: z.number().min(0).max(1) }).optional(),
  }),
  loadModel: z.string(),
  configs: z.array(configRecord).min(1),
  environment: z.object({
    hostname: z.string(),
    platform: z.string(),
    kernel: z.string(),
    cpuModel: z.string(),
    cpuCount: count,
    totalMemoryBytes: nonNegative,
    nodeVersion: z.string(),
    loadAverageStart: z.array(finite),
    loadAverageEnd: z.array(finite).optional(),
    packages: z.record(z.string(), z.string()),
    pinning: z.object({ enabled: z.boolean(), targetCpus: z.string().optional(), loadGeneratorCpus: z.string().optional(), note: z.string() }),
    strippedEnv: z.array(z.string()),
    network: z.object({ isolation: z.enum(['namespace', 'host']), note: z.string(), bridgedPorts: z.array(count).optional() }).optional(),
  }),
  runs: z.array(z.discriminatedUnion('status', [measuredRun, failedRun, skippedRun])),
  notes: z.array(z.string()),
  calibration: calibrationSchema.optional(),
  profiling: profiling.optional(),
  gate: z.object({ verdict: z.enum(['pass', 'fail', 'inconclusive']), exitCode: z.number().int(), inconclusivePolicy: z.string(), cases: z.array(gateCase) }).optional(),
  simulation: z.record(z.string(), z.unknown()).optional(),
  // Recomputed from runs by every reader; kept so the file stays whole.
  analysis: z.unknown().optional(),
}).superRefine((result, ctx) => {
  const names = new Set<string>();
  result.configs.forEach((config, i) => {
    if (names.has(config.name)) ctx.addIssue({ code: 'custom', path: ['configs', i, 'name'], message: `"${config.name}" twice: config names are unique` });
    names.add(config.name);
  });
  if (!names.has(result.scenario.baseline)) {
    ctx.addIssue({ code: 'custom', path: ['scenario', 'baseline'], message: `"${result.scenario.baseline}" is not one of configs` });
  }
  const rates = new Set(result.design.ratesRps);
  if (rates.size !== result.design.ratesRps.length) ctx.addIssue({ code: 'custom', path: ['design', 'ratesRps'], message: 'a rate twice' });
  const pairs = new Map<number, { round: number; sides: string[] }>();
  result.runs.forEach((run, i) => {
    const at = (field: string) => ['runs', i, field];
    if (run.index !== i) ctx.addIssue({ code: 'custom', path: at('index'), message: `expected ${i}, its position in runs` });
    if (!names.has(run.config)) ctx.addIssue({ code: 'custom', path: at('config'), message: `"${run.config}" is not one of configs` });
    if (!rates.has(run.offeredRps)) ctx.addIssue({ code: 'custom', path: at('offeredRps'), message: `${run.offeredRps} is not one of design.ratesRps` });
    const pair = pairs.get(run.pair) ?? { round: run.round, sides: [] };
    if (pair.round !== run.round) {
      ctx.addIssue({ code: 'custom', path: at('pair'), message: `pair ${run.pair} is in round ${pair.round} and round ${run.round}: a pair id belongs to one round` });
    }
    pair.sides.push(run.side);
    pairs.set(run.pair, pair);
    if (result.design.kind === 'co-scheduled' && (pair.sides.length > 2 || pair.sides.filter((s) => s === run.side).length > 1)) {
      ctx.addIssue({ code: 'custom', path: at('pair'), message: `pair ${run.pair} has more than one ${run.side}: a co-scheduled pair is one baseline and one candidate` });
    }
  });
});

export type ParsedResult = z.output<typeof resultSchema>;
