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
/**
 * Free text (notes, reasons, an app's stderr tail) without terminal escapes or control characters but tab and newline:
 * a saved file cannot clear a terminal, ring a bell or break the XML of a report. The writer cleans the same way.
 */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
const freeText = z.string().max(10_000_000).transform(cleanText);
// eslint-disable-next-line no-control-regex
const keyText = z.string().refine((key) => !/[\u0000-\u001f\u007f-\u009f]/.test(key), 'a key with control characters');
const counts = z.record(keyText, nonNegative);

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
  statusByRoute: z.record(keyText, counts),
  failedByRoute: z.record(keyText, counts).optional(),
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
  exclusions: z.array(freeText),
  warnings: z.array(freeText),
  targetPid: count,
  nodeVersion: freeText.optional(),
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
  noise: z.object({ stealPercent: finite, loadAverage1m: nonNegative, harnessCpuPercent: finite, neighbourCpuPercent: nonNegative.optional() }),
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
  failure: z.object({ reason: freeText, outputTail: freeText, exitCode: z.number().int().nullable().optional(), signal: freeText.nullable().optional() }),
});

const skippedRun = z.object({ ...identity, status: z.literal('skipped'), reason: freeText });

const budgetMetric = z.enum([...metricNames, ...Object.keys(volumeMetrics), ...Object.keys(growthMetrics), ...Object.keys(behaviourMetrics)] as [string, ...string[]]);
export const budgetSchema = z.object({
  config: z.string().min(1).max(200).transform(cleanText),
  metric: budgetMetric,
  kind: z.enum(['relative', 'absolute', 'volume', 'growth']),
  limit: z.number().min(-1e9).max(1e9),
  text: freeText,
});
const moneyBudget = z.object({ config: z.string().min(1).max(200).transform(cleanText), limitUsdPerMonth: z.number().positive().max(1e12), text: freeText });

const configRecord = z.object({
  name: recordedName,
  kind: z.string().min(1).transform(cleanText),
  preloads: z.array(freeText),
  options: z.record(z.string(), z.unknown()),
  sampleRate: z.number().min(0).max(1).optional(),
  envKeys: z.array(freeText),
  agent: z.object({
    package: freeText, version: freeText, dir: freeText.optional(), from: z.enum(['target', 'apm-bench', 'cache']), why: z.enum(['pinned', 'tested']).optional(),
  }).optional(),
  loading: freeText.optional(),
  instruments: z.array(freeText).optional(),
  runtime: z.object({ spec: freeText, label: freeText, execPath: freeText }).optional(),
});

/** A Linux nice value. */
const niceValue = z.number().int().min(-20).max(19);

const neighbourSide = z.object({ pairs: count, overhead: finite, logRatioSD: nonNegative, otherCpuPercent: nonNegative.optional() });

export const calibrationSchema = z.object({
  design: z.enum(['co-scheduled', 'sequential']),
  pairs: count,
  metrics: z.record(keyText, z.object({ logRatioSD: nonNegative, minimumDetectableEffect: z.record(keyText, nonNegative) })),
  agents: z.array(z.object({
    config: recordedName, pairs: count, logRatioSD: nonNegative, overhead: finite, minimumDetectableEffect: z.record(keyText, nonNegative),
    roundsFor5Percent: count.optional(),
    explained: z.partialRecord(z.enum(['baselineCpu', 'payloads', 'harnessCpu', 'sendLag', 'neighbourCpu']), z.number().min(0).max(1)).optional(),
  })).optional(),
  neighbour: z.object({
    hog: z.object({ processes: count, busyMs: nonNegative, idleMs: nonNegative, units: count, cpuPercent: nonNegative }),
    configs: z.array(z.object({ config: recordedName, quiet: neighbourSide, busy: neighbourSide, shift: finite, shiftLow: finite, shiftHigh: finite })),
  }).optional(),
});

const functionTime = z.object({ bucket: freeText, functionName: freeText, url: freeText, line: finite, selfMs: nonNegative });
const stacks = z.array(z.object({ frames: z.array(freeText), ms: nonNegative }));
const profiling = z.object({
  intervalUs: positive,
  rateRps: positive,
  runs: z.array(z.discriminatedUnion('status', [
    z.object({ config: recordedName, status: z.literal('measured'), file: freeText, requests: count, cpuMsPerRequest: nonNegative }),
    z.object({ config: recordedName, status: z.literal('failed'), reason: freeText }),
  ])),
  attribution: z.array(z.object({
    config: recordedName,
    baseline: recordedName,
    rows: z.array(z.object({ bucket: freeText, configMsPerRequest: finite, baselineMsPerRequest: finite, deltaMsPerRequest: finite })),
    profiledDeltaMsPerRequest: finite,
    measuredDeltaMsPerRequest: finite.optional(),
    attributedShare: finite.optional(),
    topFunctions: z.array(functionTime.extend({ deltaMsPerRequest: finite })),
    notCovered: freeText,
  })),
  stacks: z.record(keyText, stacks),
});

const gateCase = z.object({ config: freeText, check: freeText, verdict: z.enum(['pass', 'fail', 'inconclusive']), measured: freeText, note: freeText.optional() });

export const resultSchema = z.object({
  schemaVersion: z.literal(2),
  tool: z.object({ name: z.literal('apm-bench'), version: freeText }),
  status: z.enum(['running', 'complete', 'interrupted', 'failed']),
  startedAt: isoTime,
  finishedAt: isoTime.optional(),
  scenario: z.object({
    name: recordedName,
    file: freeText,
    sha256: freeText,
    baseline: recordedName,
    workload: z.record(z.string(), z.unknown()),
    overrides: z.record(keyText, freeText).optional(),
    budgets: z.array(budgetSchema),
    moneyBudgets: z.array(moneyBudget).optional(),
    logs: z.object({ shipped: z.boolean(), indexedFraction: z.number().min(0).max(1) }).optional(),
    target: z.object({
      kind: freeText,
      path: freeText,
      moduleSystem: z.object({ kind: z.enum(['esm', 'commonjs']), why: freeText }).optional(),
      uses: z.array(freeText).optional(),
    }),
  }),
  design: z.object({
    kind: z.enum(['co-scheduled', 'sequential']),
    seed: z.number().int(),
    arrival: z.enum(['constant', 'poisson']),
    ratesRps: z.array(positive.max(1_000_000)).min(1),
    latencyMs: nonNegative,
    note: freeText.optional(),
    soak: z.object({ durationMs: positive, sampleMs: positive, warmupShare: z.number().min(0).max(1) }).optional(),
  }),
  loadModel: freeText,
  configs: z.array(configRecord).min(1),
  environment: z.object({
    hostname: freeText,
    platform: freeText,
    kernel: freeText,
    cpuModel: freeText,
    cpuCount: count,
    totalMemoryBytes: nonNegative,
    nodeVersion: freeText,
    loadAverageStart: z.array(finite),
    loadAverageEnd: z.array(finite).optional(),
    packages: z.record(keyText, freeText),
    pinning: z.object({ enabled: z.boolean(), targetCpus: freeText.optional(), loadGeneratorCpus: freeText.optional(), note: freeText }),
    generatorPriority: z.object({ applied: z.boolean(), generatorNice: niceValue, targetNice: niceValue, note: freeText }).optional(),
    neighbours: z.array(z.object({ name: freeText, processes: count, moved: z.boolean(), note: freeText })).optional(),
    strippedEnv: z.array(freeText),
    network: z.object({ isolation: z.enum(['namespace', 'host']), note: freeText, bridgedPorts: z.array(count).optional() }).optional(),
  }),
  runs: z.array(z.discriminatedUnion('status', [measuredRun, failedRun, skippedRun])),
  notes: z.array(freeText),
  calibration: calibrationSchema.optional(),
  profiling: profiling.optional(),
  gate: z.object({ verdict: z.enum(['pass', 'fail', 'inconclusive']), exitCode: z.number().int(), inconclusivePolicy: freeText, cases: z.array(gateCase) }).optional(),
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
    pairs.set(run.pair, pair);
    // A disturbed window's runs stay, excluded, beside their re-measurement: only the runs the estimates use must pair up.
    if (run.status !== 'measured' || run.exclusions.length > 0) return;
    pair.sides.push(run.side);
    if (result.design.kind === 'co-scheduled' && (pair.sides.length > 2 || pair.sides.filter((s) => s === run.side).length > 1)) {
      ctx.addIssue({
        code: 'custom', path: at('pair'), message: `pair ${run.pair} has more than one valid ${run.side}: a co-scheduled pair is one baseline and one candidate`,
      });
    }
  });
});

export type ParsedResult = z.output<typeof resultSchema>;
