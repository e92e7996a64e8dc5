/**
 * The simulated executor, as hyperfine's mock executor (`src/benchmark/executor.rs`): with APM_BENCH_SIMULATE set, a
 * session measures no process. Each planned unit becomes runs drawn from a seeded model with known CPU per request,
 * ratios, noise, failed requests, intake counts, memory growth and crashes, and everything after that (the session loop,
 * the analysis, reports, the gate, exit codes) is the code a real session runs. It exists so tests of wiring, formats and
 * verdicts take milliseconds and never depend on the machine; nothing a user runs sets it, and a simulated result says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { InstrumentationConfig } from '../instrument/types.js';
import { AGENT_VERSION_ENV, compareVersions } from '../instrument/versions.js';
import { unitWindowMs, type PlannedUnit } from '../plan/plan.js';
import { seededRandom } from '../random.js';
import type { IntakeCounts, LoadRecord, MeasuredRun, RunIdentity, RunSample, SoakSample } from '../samples/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import { newLatencyHistogram, summariseHistogram } from './load.js';
import { failureWarning, INTAKE_DOWN_WARNING, judgeLoad } from './runner.js';

export const SIMULATE_ENV = 'APM_BENCH_SIMULATE';

const failureSchema = z.strictObject({
  /** "GET /json": the route whose requests fail. */
  route: z.string(),
  /** A status ("503"), "timeout" or "socket error". */
  what: z.string(),
  /** Share of all requests sent. */
  share: z.number().min(0).max(1),
});

const configModel = z.strictObject({
  /** CPU per request × this, against the baseline's. */
  ratio: z.number().positive().default(1),
  /** Added CPU per request, ms. */
  extraMsPerRequest: z.number().min(0).default(0),
  /** Added CPU per second whatever the rate (a flush timer), ms/s. */
  extraMsPerSecond: z.number().min(0).default(0),
  /** The cost above applies from this agent version on (the config's agent, or APM_BENCH_AGENT_VERSION); earlier cost nothing. */
  fromVersion: z.string().optional(),
  /** This config's own per-pair SD of the log CPU ratio, instead of the model's. */
  pairSd: z.number().min(0).optional(),
  /** Added RSS, bytes. */
  rssExtraBytes: z.number().default(0),
  /** Latency × this (default: the CPU ratio). */
  latencyRatio: z.number().positive().optional(),
  /** Requests that fail, route by route. */
  failures: z.array(failureSchema).default([]),
  /** Its nth run (1-based) crashes the target with this exit code and output. */
  crash: z.strictObject({ run: z.number().int().positive().default(1), exitCode: z.number().int().default(1), output: z.string().default('') }).optional(),
  /** Intake items per request by kind (spans, transactions, errorEvents…) and bytes per item. */
  intake: z.strictObject({ perRequest: z.record(z.string(), z.number().min(0)), bytesPerItem: z.number().min(0).default(200) }).optional(),
  /** What the app writes to its log per request. */
  logs: z.strictObject({ bytesPerRequest: z.number().min(0), linesPerRequest: z.number().min(0).default(1) }).optional(),
  /** Soak windows: heap kept per request, bytes. */
  heapGrowthBytesPerRequest: z.number().default(0),
});

const modelSchema = z.strictObject({
  /** Noise seed; by default the session's. */
  seed: z.number().int().optional(),
  baselineCpuMsPerRequest: z.number().positive().default(0.4),
  /** SD of one pair's log CPU ratio (both sides' own noise together). */
  pairSd: z.number().min(0).default(0.02),
  /** By config name, or by the name before its first "@" (datadog@0.1 → datadog). */
  configs: z.record(z.string(), configModel).default({}),
  /** Units (by index) whose window the generator falls behind on: send lag p99 40 ms. A re-measurement has a new index. */
  laggedUnits: z.array(z.number().int().min(0)).default([]),
});

export type SimulationModel = z.output<typeof modelSchema>;
type ConfigModel = z.output<typeof configModel>;

/** The model in APM_BENCH_SIMULATE (JSON, or the path of a JSON file), or undefined when it is not set. */
export function simulationFromEnv(env: NodeJS.ProcessEnv = process.env): SimulationModel | undefined {
  const text = env[SIMULATE_ENV];
  if (!text) return undefined;
  const source = text.trim().startsWith('{') ? text : existsSync(text) ? readFileSync(text, 'utf8') : undefined;
  if (source === undefined) throw new InputError(`${SIMULATE_ENV}: expected a JSON model or the path of one, got "${text}".`);
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    throw new InputError(`${SIMULATE_ENV}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = modelSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${SIMULATE_ENV}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

const NO_COST = configModel.parse({});

/** A config's model: by its name, else the name before its first "@"; the baseline costs nothing extra unless named. */
function modelOf(model: SimulationModel, name: string, baseline: string): ConfigModel {
  if (name === baseline) return model.configs[baseline] ?? NO_COST;
  return model.configs[name] ?? model.configs[name.split('@')[0]!] ?? NO_COST;
}

/** True CPU per request of a config at a rate, before noise. */
function trueCpuMsPerRequest(model: SimulationModel, m: ConfigModel, config: InstrumentationConfig, rateRps: number): number {
  const base = model.baselineCpuMsPerRequest;
  const version = config.agent?.version ?? config.env[AGENT_VERSION_ENV];
  if (m.fromVersion && !(version && compareVersions(version, m.fromVersion) >= 0)) return base;
  return base * m.ratio + m.extraMsPerRequest + m.extraMsPerSecond / rateRps;
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface SimulatedContext {
  scenario: LoadedScenario;
  seed: number;
  coScheduled: boolean;
  latencyMs: number;
}

/** The simulated counterpart of `measureUnit`: same inputs, same kind of runs out. */
export class SimulatedExecutor {
  private readonly runsByConfig = new Map<string, number>();

  constructor(private readonly model: SimulationModel) {}

  async measureUnit(unit: PlannedUnit, configs: ReadonlyMap<string, InstrumentationConfig>, firstIndex: number, ctx: SimulatedContext): Promise<RunSample[]> {
    const { workload, baseline } = ctx.scenario.scenario;
    const startedAt = new Date().toISOString();
    const random = seededRandom(((this.model.seed ?? ctx.seed) ^ Math.imul(unit.index + 1, 0x9e3779b1)) >>> 0);
    const identity = (offset: number): RunIdentity => {
      const planned = unit.runs[offset]!;
      return {
        index: firstIndex + offset, unit: unit.index, round: unit.round, pair: unit.pair, config: planned.config,
        side: planned.side, slot: planned.slot, offeredRps: unit.rateRps, startedAt,
      };
    };
    const crashing = unit.runs.findIndex((planned) => {
      const crash = modelOf(this.model, planned.config, baseline).crash;
      const nth = (this.runsByConfig.get(planned.config) ?? 0) + 1;
      this.runsByConfig.set(planned.config, nth);
      return crash !== undefined && crash.run === nth;
    });
    if (crashing >= 0) {
      const crash = modelOf(this.model, unit.runs[crashing]!.config, baseline).crash!;
      const culprit = unit.runs[crashing]!.config;
      const reason = `the target exited with code ${crash.exitCode}`;
      return unit.runs.map((_, i) => (i === crashing
        ? { ...identity(i), status: 'failed' as const, failure: { reason, outputTail: crash.output, exitCode: crash.exitCode, signal: null } }
        : { ...identity(i), status: 'skipped' as const, reason: `its partner ${culprit} failed (${reason})` }));
    }
    // The machine's common noise hits every side of a unit alike (it cancels in a co-scheduled ratio); each side adds its own.
    const common = ctx.coScheduled ? 0.1 * normal(random) : 0;
    const windowMs = unitWindowMs(workload, unit.runs.map((planned) => configs.get(planned.config)!));
    return unit.runs.map((planned, i) => {
      const config = configs.get(planned.config)!;
      const m = modelOf(this.model, planned.config, baseline);
      const sd = (m.pairSd ?? this.model.pairSd) / Math.SQRT2;
      // Sequential runs share no window, so each carries the machine's noise on its own.
      const own = ctx.coScheduled ? sd * normal(random) : 0.1 * normal(random) + sd * normal(random);
      const factor = Math.exp(common + own);
      const trueCpu = trueCpuMsPerRequest(this.model, m, config, unit.rateRps);
      const run = this.run(identity(i), config, m, trueCpu * factor, trueCpu / this.model.baselineCpuMsPerRequest, windowMs, random, ctx);
      if (this.model.laggedUnits.includes(unit.index)) run.load.sendLagUs = { p50: 9_000, p99: 40_000, max: 60_000 };
      return run;
    });
  }

  private run(
    identity: RunIdentity, config: InstrumentationConfig, m: ConfigModel, cpuMsPerRequest: number, cpuRatio: number, windowMs: number,
    random: () => number, ctx: SimulatedContext,
  ): MeasuredRun {
    const { workload } = ctx.scenario.scenario;
    const rate = identity.offeredRps;
    const sent = Math.round((rate * windowMs) / 1000);
    const load = loadRecord(sent, m.failures, workload.routes, workload.connections);
    const failed = load.unexpectedStatuses + load.timeouts + load.socketErrors;
    const succeeded = sent - failed;
    const cpuMs = cpuMsPerRequest * succeeded;
    const latencyRatio = m.latencyRatio ?? cpuRatio;
    const latencySent = ctx.coScheduled ? Math.round((rate * ctx.latencyMs) / 1000) : sent;
    const latencyLoad = loadRecord(latencySent, m.failures, workload.routes, workload.connections);
    const latencyCount = latencySent - latencyLoad.unexpectedStatuses - latencyLoad.timeouts - latencyLoad.socketErrors;
    const rss = 70e6 + m.rssExtraBytes + 1e6 * normal(random);
    const counts = m.intake && config.intakeFault !== 'down' ? intakeCounts(m.intake, succeeded, windowMs) : undefined;
    const run: MeasuredRun = {
      ...identity,
      status: 'measured',
      exclusions: [],
      warnings: [],
      targetPid: 0,
      nodeVersion: process.version,
      port: 0,
      measuredMs: windowMs,
      requests: sent,
      achievedRps: (sent * 1000) / windowMs,
      cpuMsPerRequest,
      cpuMsPerSecond: cpuMs / (windowMs / 1000),
      cpu: { userMs: cpuMs * 0.8, systemMs: cpuMs * 0.2, procMs: cpuMs, procTicks: Math.round(cpuMs / 10) },
      rssMeanBytes: rss,
      rssPeakBytes: rss * 1.05,
      heapUsedBytes: 20e6,
      heapPeakBytes: 25e6,
      externalBytes: 2e6,
      eventLoopUtilization: Math.min(1, cpuMs / windowMs),
      eventLoopDelayUs: { p50: 10_000, p99: 12_000, max: 15_000, mean: 10_100 },
      gcPauseMsTotal: cpuMs * 0.01,
      gcCount: Math.ceil(sent / 500),
      load,
      latencyUs: latencySummary(latencyCount, 1000 * this.model.baselineCpuMsPerRequest * 1.5 * latencyRatio, random),
      latencySource: ctx.coScheduled ? 'solo' : 'window',
      ...(ctx.coScheduled ? { latencyLoad } : {}),
      noise: { stealPercent: 0, loadAverage1m: 0, harnessCpuPercent: 0 },
      timeline: Array.from({ length: Math.max(1, Math.floor(windowMs / 1000)) }, (_, s) => ({ tMs: (s + 1) * 1000, cpuPercent: cpuMs / windowMs * 100, rssBytes: rss })),
      ...(m.logs ? { logs: logsRecord(m.logs, sent) } : {}),
      ...(workload.soak ? { soak: soakSamples(workload.soak.duration, workload.soak.sample, m.heapGrowthBytesPerRequest * rate, cpuMs / windowMs, random) } : {}),
      ...(counts ? { intake: { ...counts, perRequest: perRequest(counts, sent), bytesPerRequest: counts.payloadBytes / Math.max(1, sent) } } : {}),
    };
    // The same judgement a measured run gets: load, the adapter's own check of its counts, failed requests.
    const down = config.intakeFault === 'down';
    run.exclusions.push(...judgeLoad(run, load), ...(down ? [] : config.validate?.(counts, sent) ?? []));
    run.warnings.push(...failureWarning(run, load));
    if (down) run.warnings.push(INTAKE_DOWN_WARNING);
    return run;
  }
}

function loadRecord(sent: number, failures: ConfigModel['failures'], routes: ReadonlyArray<{ method: string; path: string }>, connections: number): LoadRecord {
  const failedByRoute: Record<string, Record<string, number>> = {};
  let unexpectedStatuses = 0;
  let timeouts = 0;
  let socketErrors = 0;
  for (const failure of failures) {
    const n = Math.round(failure.share * sent);
    if (n === 0) continue;
    (failedByRoute[failure.route] ??= {})[failure.what] = n;
    if (failure.what === 'timeout') timeouts += n;
    else if (failure.what === 'socket error') socketErrors += n;
    else unexpectedStatuses += n;
  }
  const ok = sent - unexpectedStatuses - timeouts - socketErrors;
  const statusByRoute: Record<string, Record<string, number>> = {};
  routes.forEach((route) => { statusByRoute[`${route.method} ${route.path}`] = { 200: Math.round(ok / routes.length) }; });
  const statusCounts: Record<string, number> = { 200: ok };
  for (const byWhat of Object.values(failedByRoute)) {
    for (const [what, n] of Object.entries(byWhat)) if (/^\d+$/.test(what)) statusCounts[what] = (statusCounts[what] ?? 0) + n;
  }
  return {
    sent, statusCounts, statusByRoute, failedByRoute, unexpectedStatuses, socketErrors, timeouts,
    maxInFlight: 2, connections, sendLagUs: { p50: 40, p99: 120, max: 400 },
  };
}

/** A real HDR histogram of log-normal latencies around `medianUs`, so every report reads it as it reads a measured one. */
function latencySummary(count: number, medianUs: number, random: () => number): MeasuredRun['latencyUs'] {
  const histogram = newLatencyHistogram();
  for (let i = 0; i < count; i += 1) histogram.recordValue(Math.max(1, Math.round(medianUs * Math.exp(0.35 * normal(random)))));
  const summary = summariseHistogram(histogram);
  histogram.destroy();
  return summary;
}

function intakeCounts(intake: NonNullable<ConfigModel['intake']>, requests: number, windowMs: number): IntakeCounts {
  const items = Object.fromEntries(Object.entries(intake.perRequest).map(([kind, n]) => [kind, Math.round(n * requests)]));
  const total = Object.values(items).reduce((sum, n) => sum + n, 0);
  // One flush every 2 s, as dd-trace and most exporters do.
  return { payloads: Math.max(1, Math.ceil(windowMs / 2000)), payloadBytes: Math.round(total * intake.bytesPerItem), items };
}

function perRequest(counts: IntakeCounts, requests: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts.items).map(([kind, n]) => [kind, n / Math.max(1, requests)]));
}

function logsRecord(logs: NonNullable<ConfigModel['logs']>, requests: number) {
  const bytes = Math.round(logs.bytesPerRequest * requests);
  const lines = Math.round(logs.linesPerRequest * requests);
  return { bytes, lines, bytesPerRequest: bytes / Math.max(1, requests), linesPerRequest: lines / Math.max(1, requests) };
}

function soakSamples(durationMs: number, sampleMs: number, growthBytesPerSecond: number, cpuShare: number, random: () => number): SoakSample[] {
  const samples: SoakSample[] = [];
  for (let t = 0; t <= durationMs; t += sampleMs) {
    const heap = 20e6 + (growthBytesPerSecond * t) / 1000 + 50e3 * normal(random);
    samples.push({ tMs: t, heapAfterGcBytes: heap, rssBytes: heap + 50e6, externalBytes: 2e6, arrayBuffersBytes: 1e5, handles: 8, cpuUs: cpuShare * t * 1000 });
  }
  return samples;
}
