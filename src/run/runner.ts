import pidusage from 'pidusage';
import type { InstrumentationConfig, Intake } from '../instrument/types.js';
import type { PlannedRun } from '../plan/plan.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { RunSample, TimelinePoint } from '../samples/result.js';
import { runLoad, type LoadResult } from './load.js';
import { clockTicksPerSecond, readCpuTimes, readMemoryStatus } from './procfs.js';
import type { ProbeServer, ProbeStats } from './probe-server.js';
import { freePort } from './ports.js';
import { toWireRequest, weightedSequence } from './route-mix.js';
import { buildLaunch, TargetFailure, TargetProcess } from './target.js';

/** A run whose achieved rate is more than this short of the offered rate is saturated. */
export const SATURATION_SHORTFALL = 0.02;
/** An achieved rate this far above the offered rate means the load generator sent an extra burst. */
export const OVERSHOOT = 0.1;
/** More unexpected statuses or socket errors than this share of requests make a run invalid. */
export const MAX_ERROR_SHARE = 0.01;

export type Phase = 'starting' | 'warmup' | 'measuring' | 'draining' | 'max-throughput' | 'stopping';

export interface RunContext {
  scenario: LoadedScenario;
  probes: ProbeServer;
  baseEnv: Record<string, string>;
  downstreamUrl: string;
  targetCpus?: string;
  signal: AbortSignal;
  onPhase?: (run: PlannedRun, phase: Phase, phaseMs: number) => void;
}

class Interrupted extends Error {}

/** Measure one config once: fresh target, warm-up (discarded), measured window, stop. */
export async function measureRun(run: PlannedRun, config: InstrumentationConfig, ctx: RunContext): Promise<RunSample> {
  const { workload } = ctx.scenario.scenario;
  const sample: RunSample = {
    index: run.index,
    block: run.block,
    position: run.position,
    config: run.config,
    status: 'ok',
    invalidReasons: [],
    startedAt: new Date().toISOString(),
    offeredRps: workload.rate,
  };
  const runAbort = new AbortController();
  const onGlobalAbort = () => runAbort.abort();
  ctx.signal.addEventListener('abort', onGlobalAbort, { once: true });
  let intake: Intake | undefined;
  let target: TargetProcess | undefined;
  try {
    if (config.createIntake) intake = await config.createIntake();
    const port = ctx.scenario.target.fixedPort ?? (await freePort());
    sample.port = port;
    const launch = buildLaunch({
      target: ctx.scenario.target,
      config,
      baseEnv: ctx.baseEnv,
      port,
      probeSocket: ctx.probes.path,
      extraEnv: { DOWNSTREAM_URL: ctx.downstreamUrl, ...(intake?.env ?? {}) },
      cpuList: ctx.targetCpus,
    });
    ctx.onPhase?.(run, 'starting', 0);
    target = TargetProcess.start(launch);
    sample.targetPid = target.pid;
    // A crash at any point stops the load at once; the failure is reported with the output tail.
    let crash: TargetFailure | undefined;
    void target.crashed().then((failure) => {
      if (!target!.isStopping) { crash = failure; runAbort.abort(); }
    });
    const probe = await target.waitUntilReady(port, ctx.scenario.target.readyPath, ctx.scenario.target.readyTimeoutMs, ctx.probes);
    const pid = probe.hello.pid;
    sample.targetPid = pid;
    const url = `http://127.0.0.1:${port}`;
    intake?.attachTarget?.(url);
    const requests = weightedSequence(workload.routes).map(toWireRequest);
    const expected = new Set(workload.routes.map((route) => route.expectStatus).filter((s): s is number => s !== undefined));
    const load = (durationMs: number, rate: number | undefined, connections = workload.connections) =>
      runLoad({ url, requests, rate, connections, durationMs, timeoutMs: workload.requestTimeout, signal: runAbort.signal });
    const checkpoint = () => {
      if (crash) throw crash;
      if (ctx.signal.aborted) throw new Interrupted();
    };

    if (workload.warmup > 0) {
      ctx.onPhase?.(run, 'warmup', workload.warmup);
      await load(workload.warmup, workload.rate);
      checkpoint();
    }

    ctx.onPhase?.(run, 'measuring', workload.duration);
    await probe.mark();
    intake?.startWindow();
    const cpuBefore = readCpuTimes(pid);
    const timeline = startTimeline(pid);
    let result: LoadResult;
    let cpuAfter;
    let stats: ProbeStats;
    try {
      result = await load(workload.duration, workload.rate);
      checkpoint();
      cpuAfter = readCpuTimes(pid);
      intake?.endWindow();
      stats = await probe.collect();
    } finally {
      timeline.stop();
    }
    const memory = readMemoryStatus(pid);
    if (intake) {
      ctx.onPhase?.(run, 'draining', MAX_DRAIN_MS);
      await drainIntake(intake, (durationMs, signal) =>
        runLoad({ url, requests, rate: workload.rate, connections: workload.connections, durationMs, timeoutMs: workload.requestTimeout, signal }));
      checkpoint();
    }
    const counts = intake?.snapshot();
    fillMeasurements(sample, result, cpuBefore, cpuAfter, stats, memory, timeline.points, expected);
    if (counts) {
      const perRequest: Record<string, number> = {};
      for (const [kind, count] of Object.entries(counts.items)) perRequest[kind] = count / Math.max(1, result.responses);
      sample.intake = { ...counts, perRequest, bytesPerRequest: counts.payloadBytes / Math.max(1, result.responses) };
    }
    sample.invalidReasons.push(...(config.validate?.(counts, result.responses) ?? []));

    if (workload.maxThroughput) {
      ctx.onPhase?.(run, 'max-throughput', workload.maxThroughput.duration);
      const max = await load(workload.maxThroughput.duration, undefined, workload.maxThroughput.connections);
      checkpoint();
      sample.maxThroughputRps = max.achievedRps;
    }
  } catch (error) {
    if (error instanceof Interrupted || (ctx.signal.aborted && !(error instanceof TargetFailure))) {
      sample.status = 'skipped';
      sample.invalidReasons.push('interrupted before the run finished');
    } else {
      sample.status = 'failed';
      const failure = error instanceof TargetFailure ? error : new TargetFailure((error as Error).message, target?.outputTail() ?? '', null, null);
      sample.failure = { reason: failure.message, outputTail: failure.stderrTail, exitCode: failure.exitCode, signal: failure.signal };
      sample.invalidReasons.push(failure.message);
    }
  } finally {
    ctx.signal.removeEventListener('abort', onGlobalAbort);
    ctx.onPhase?.(run, 'stopping', 0);
    await target?.stop();
    await intake?.close();
  }
  return sample;
}

/** Longest wait for an exporter to deliver what it created in the window (OTel's batch delay is 5 s). */
export const MAX_DRAIN_MS = 12_000;

/**
 * After the window, spans created in it may still sit in an exporter's batch.
 * Keep the same load running (so batches fill and flush as they did in the
 * window) until the intake has seen an item created after the window.
 */
async function drainIntake(intake: Intake, load: (durationMs: number, signal: AbortSignal) => Promise<LoadResult>): Promise<void> {
  if (intake.caughtUp()) return;
  const stop = new AbortController();
  const running = load(MAX_DRAIN_MS, stop.signal).catch(() => undefined);
  const deadline = Date.now() + MAX_DRAIN_MS;
  while (!intake.caughtUp() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  stop.abort();
  await running;
}

function fillMeasurements(
  sample: RunSample,
  result: LoadResult,
  before: { userMs: number; systemMs: number },
  after: { userMs: number; systemMs: number },
  stats: ProbeStats,
  memory: { rssBytes: number; rssPeakBytes: number },
  timeline: TimelinePoint[],
  expectedStatuses: Set<number>,
): void {
  const requests = result.responses;
  sample.measuredMs = result.elapsedMs;
  sample.requests = requests;
  sample.achievedRps = result.achievedRps;
  sample.saturated = result.achievedRps < sample.offeredRps * (1 - SATURATION_SHORTFALL);
  sample.statusCounts = result.statusCounts;
  sample.unexpectedStatusCount = Object.entries(result.statusCounts)
    .filter(([status]) => !(Number(status) >= 200 && Number(status) < 400) && !expectedStatuses.has(Number(status)))
    .reduce((sum, [, count]) => sum + count, 0);
  sample.socketErrors = result.socketErrors;
  sample.timeouts = result.timeouts;
  sample.cpuUserMs = after.userMs - before.userMs;
  sample.cpuSystemMs = after.systemMs - before.systemMs;
  sample.cpuMsPerRequest = requests > 0 ? (sample.cpuUserMs + sample.cpuSystemMs) / requests : undefined;
  sample.cpuTicks = Math.round(((sample.cpuUserMs + sample.cpuSystemMs) * clockTicksPerSecond()) / 1000);
  sample.probeCpuMsPerRequest = requests > 0 ? (stats.processCpuUserUs + stats.processCpuSystemUs) / 1000 / requests : undefined;
  const rssSamples = [...timeline.map((point) => point.rssBytes), memory.rssBytes].filter((value) => value > 0);
  sample.rssMeanBytes = rssSamples.reduce((sum, value) => sum + value, 0) / rssSamples.length;
  sample.rssPeakBytes = memory.rssPeakBytes;
  sample.heapUsedBytes = stats.heapUsedBytes;
  sample.heapPeakBytes = stats.heapPeakBytes;
  sample.eventLoopUtilization = stats.eventLoopUtilization;
  sample.eventLoopDelayUs = stats.eventLoopDelayUs;
  sample.gcPauseMsTotal = stats.gcPauseMsTotal;
  sample.gcCount = stats.gcCount;
  sample.latencyUs = result.latencyUs;
  sample.timeline = timeline;

  if (sample.saturated) {
    sample.invalidReasons.push(
      `saturated: achieved ${result.achievedRps.toFixed(1)} req/s of ${sample.offeredRps} offered (more than ${SATURATION_SHORTFALL * 100}% short)`,
    );
  }
  if (result.achievedRps > sample.offeredRps * (1 + OVERSHOOT)) {
    // autocannon sends each second's budget in a burst; an extra burst at the window's edge changes the load.
    sample.invalidReasons.push(`load overshot: achieved ${result.achievedRps.toFixed(1)} req/s of ${sample.offeredRps} offered (an extra burst from the load generator)`);
  }
  if (requests === 0) sample.invalidReasons.push('no responses were received');
  const errors = sample.unexpectedStatusCount + result.socketErrors;
  if (requests > 0 && errors / requests > MAX_ERROR_SHARE) {
    sample.invalidReasons.push(`${errors} of ${requests} requests failed (unexpected status or socket error); check the route mix and expectStatus`);
  }
}

/** CPU% and RSS once a second, for the report's timeline (pidusage reads /proc). */
function startTimeline(pid: number): { points: TimelinePoint[]; stop: () => void } {
  const points: TimelinePoint[] = [];
  const started = Date.now();
  void pidusage(pid).catch(() => {}); // the first reading of a pid has no CPU delta yet
  const timer = setInterval(() => {
    pidusage(pid)
      .then((stat) => points.push({ tMs: Date.now() - started, cpuPercent: Math.round(stat.cpu * 10) / 10, rssBytes: stat.memory }))
      .catch(() => {});
  }, 1000);
  return {
    points,
    stop: () => {
      clearInterval(timer);
      pidusage.clear();
    },
  };
}
