import type { InstrumentationConfig } from '../instrument/types.js';
import { unitWindowMs, type PlannedUnit } from '../plan/plan.js';
import type { IntakeCounts, LoadRecord, MeasuredRun, RunIdentity, RunSample, SoakSample } from '../samples/result.js';
import { closedLoopThroughput, OpenLoopDriver, type PhaseResult } from './load.js';
import type { ProbeStats } from './probe-server.js';
import { clockTicksPerSecond, neighbourCpuPercent, readCpuClock, readCpuTimes, readMemoryStatus, stealPercent, type CpuClock, type CpuTimes } from './procfs.js';
import { toWireRequest, weightedSequence } from './route-mix.js';
import { ProcessSampler } from './sampler.js';
import { Side, type SideContext } from './side.js';
import { TargetFailure } from './target.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { collectHarnessGarbage } from './harness-gc.js';
import { logIn } from './login.js';
import { describeFailures, FAILED_SHARE_TOLERANCE, failedRequests, type Arrival } from '../samples/runs.js';

/** A run whose achieved rate is more than this short of the offered rate is saturated. */
export const SATURATION_SHORTFALL = 0.02;
/** Steal above this share of the target CPUs' time marks a window as disturbed. */
export const HEAVY_STEAL_PERCENT = 10;
/**
 * The generator's send lag (p99) beyond this many inter-arrival intervals, and beyond LAG_FLOOR_MS, marks a window as
 * disturbed: the schedule both sides shared broke into bunches. Quiet windows here read p99 0.9–6 ms at 120 req/s
 * (8.3 ms apart), now and then 11–14 ms; a busy VM 12.6 ms typical and 397 ms at worst. Both sides get the same sends, so
 * a jittery schedule leaves the CPU ratio alone (A/A held on the busy VM); at one interval, 3 of 56 quiet windows and
 * many of the test suite's were re-measured for nothing.
 */
export const LAG_INTERVALS = 4;
/** At high rates an interval is a few ms or less: a lag below this is jitter from the busy harness, not a broken schedule. */
export const LAG_FLOOR_MS = 25;
/** Priming stops after this long even if a slow config has not answered primeRequests yet. */
export const MAX_PRIME_MS = 3_000;
/** Longest wait for an exporter to deliver what it created in the window (OTel's batch delay is 5 s). */
export const MAX_DRAIN_MS = 12_000;

/** What a run with its intake down on purpose says of itself. */
export const INTAKE_DOWN_WARNING = 'its intake was down on purpose (connection refused): the agent delivered nothing, and what it kept is in its memory';

export type Phase = 'starting' | 'priming' | 'warmup' | 'measuring' | 'latency' | 'draining' | 'max-throughput' | 'stopping';

export interface RunContext extends SideContext {
  signal: AbortSignal;
  /** The session's design seed (Poisson arrivals derive from it). */
  seed: number;
  arrival: Arrival;
  coScheduled: boolean;
  latencyMs: number;
  onPhase?: (unit: PlannedUnit, phase: Phase, phaseMs: number) => void;
}

class Interrupted extends Error {}

/** What one side measured in the CPU window, before it becomes a MeasuredRun. */
interface WindowReading {
  stats: ProbeStats;
  procBefore: CpuTimes;
  procAfter: CpuTimes;
  rssMeanBytes: number;
  rssPeakBytes: number;
  timeline: MeasuredRun['timeline'];
  load: PhaseResult;
  stealPercent: number;
  /** Pinned windows: other processes' share of the target CPUs. */
  neighbourCpuPercent?: number;
  loadAverage1m: number;
  harnessCpuPercent: number;
  soak?: SoakSample[];
  logs?: { bytes: number; lines: number };
}

/**
 * Measure one planned unit: a co-scheduled pair (baseline and candidate at
 * the same time, on the same core, under the same load) or one target alone.
 *   1. start the sides (intakes, then targets in slot order)
 *   2. wait until every side is ready
 *   3. prime (closed loop, so V8 optimises the hot code), then warm up at the offered rate (both discarded)
 *   4. measure the CPU window: probe marks, identical load, probe collects
 *   5. co-scheduled: measure latency per side alone, its partner stopped
 *   6. drain the intakes until everything created in the window has arrived
 *   7. optionally, closed-loop max throughput per side alone
 *   8. stop everything; turn the readings into one RunSample per side
 */
export async function measureUnit(unit: PlannedUnit, configs: ReadonlyMap<string, InstrumentationConfig>, firstIndex: number, ctx: RunContext): Promise<RunSample[]> {
  const { workload } = ctx.scenario.scenario;
  const startedAt = new Date().toISOString();
  // A runtime matrix: the baseline runs on its partner's runtime, so each pair compares like with like.
  const runtime = unit.runs.map((planned) => configs.get(planned.config)!.runtime).find(Boolean);
  const sides = unit.runs.map((planned) => {
    const config = configs.get(planned.config)!;
    return new Side(planned, runtime && !config.runtime ? { ...config, runtime } : config);
  });
  const unitAbort = new AbortController();
  const onGlobalAbort = () => unitAbort.abort();
  ctx.signal.addEventListener('abort', onGlobalAbort, { once: true });
  const requests = weightedSequence(workload.routes).map(toWireRequest);
  const expectedStatuses = new Set(workload.routes.map((route) => route.expectStatus).filter((s): s is number => s !== undefined));
  const driver = new OpenLoopDriver({ requests, expectedStatuses, timeoutMs: workload.requestTimeout, arrival: ctx.arrival, seed: ctx.seed + unit.index * 7919 });
  const phase = (name: Phase, ms: number) => ctx.onPhase?.(unit, name, ms);
  const checkpoint = () => {
    const crashed = sides.find((side) => side.crash);
    if (crashed) throw crashed.crash;
    if (ctx.signal.aborted) throw new Interrupted();
  };
  const identity = (side: Side, offset: number): RunIdentity => ({
    index: firstIndex + offset, unit: unit.index, round: unit.round, pair: unit.pair, config: side.planned.config,
    side: side.planned.side, slot: side.planned.slot, offeredRps: unit.rateRps, startedAt,
  });

  try {
    phase('starting', 0);
    await startSides(sides, ctx, () => unitAbort.abort());
    await waitUntilReady(sides, ctx);
    checkpoint();

    if (workload.login) {
      const login = workload.login;
      await Promise.all(sides.map(async (side) => side.load!.signIn(await logIn(side.load!.url, login, workload.requestTimeout))));
      checkpoint();
    }

    if (workload.primeRequests > 0) {
      phase('priming', MAX_PRIME_MS);
      await driver.prime({ sides: loads(sides), requests: workload.primeRequests, concurrency: 2, maxMs: MAX_PRIME_MS, signal: unitAbort.signal });
      checkpoint();
    }

    if (workload.warmup > 0) {
      phase('warmup', workload.warmup);
      await driver.phase({ rateRps: unit.rateRps, durationMs: workload.warmup, sides: loads(sides), signal: unitAbort.signal });
      checkpoint();
    }

    const windowMs = unitWindowMs(workload, sides.map((side) => side.config));
    phase('measuring', windowMs);
    const window = await measureWindow(sides, driver, unit.rateRps, windowMs, ctx.targetCpus, unitAbort.signal, workload.soak?.sample);
    checkpoint();

    const solo = new Map<Side, PhaseResult>();
    if (ctx.coScheduled && sides.length > 1) {
      phase('latency', ctx.latencyMs * sides.length);
      for (const side of sides) {
        collectHarnessGarbage();
        solo.set(side, (await alone(side, sides, () => driver.phase({ rateRps: unit.rateRps, durationMs: ctx.latencyMs, sides: [side.load!], signal: unitAbort.signal })))[0]!);
        checkpoint();
      }
    }

    if (sides.some(awaitsDelivery)) {
      phase('draining', MAX_DRAIN_MS);
      await drainIntakes(sides, driver, unit.rateRps, unitAbort.signal);
      checkpoint();
    }
    const counts = new Map(sides.map((side) => [side, side.intake?.snapshot()]));

    const maxRps = new Map<Side, number>();
    if (workload.maxThroughput) {
      const { duration, connections } = workload.maxThroughput;
      phase('max-throughput', duration * sides.length);
      for (const side of sides) {
        const signed = requests.map((r) => ({ ...r, headers: side.load!.headersFor(r) }));
        maxRps.set(side, await alone(side, sides, () => closedLoopThroughput({
          url: side.load!.url, requests: signed, connections, durationMs: duration, timeoutMs: workload.requestTimeout, signal: unitAbort.signal,
        })));
        checkpoint();
      }
    }

    return sides.map((side, offset) => toMeasuredRun(identity(side, offset), side, window.get(side)!, solo.get(side), counts.get(side), maxRps.get(side)));
  } catch (error) {
    return sides.map((side, offset) => toUnfinishedRun(identity(side, offset), side, sides, error, ctx.signal.aborted));
  } finally {
    ctx.signal.removeEventListener('abort', onGlobalAbort);
    phase('stopping', 0);
    await driver.close(loads(sides));
    await Promise.all(sides.map((side) => side.stop()));
  }
}

function loads(sides: readonly Side[]) {
  return sides.flatMap((side) => (side.load ? [side.load] : []));
}

/** Intakes first, then targets one after another in slot order: slot 0 always starts first. */
async function startSides(sides: readonly Side[], ctx: SideContext, onCrash: () => void): Promise<void> {
  for (const side of sides) await side.start(ctx, onCrash);
}

async function waitUntilReady(sides: readonly Side[], ctx: SideContext): Promise<void> {
  await Promise.all(sides.map((side) => side.ready(ctx)));
}

/**
 * The CPU window: every probe marks (µs CPU, event loop, GC), the same
 * schedule drives every side, every probe collects. /proc CPU, steal on the
 * target CPUs and RSS are read around it as cross-checks.
 */
async function measureWindow(
  sides: readonly Side[],
  driver: OpenLoopDriver,
  rateRps: number,
  durationMs: number,
  targetCpus: string | undefined,
  signal: AbortSignal,
  soakSampleMs?: number,
): Promise<Map<Side, WindowReading>> {
  collectHarnessGarbage();
  const loadAverage1m = loadavg()[0] ?? 0;
  const clockBefore: CpuClock = readCpuClock(targetCpus);
  const harnessBefore = process.cpuUsage();
  const harnessStartMs = Date.now();
  const procBefore = sides.map((side) => readCpuTimes(side.pid));
  const logsBefore = sides.map((side) => fileSize(side.logFile));
  await Promise.all(sides.map((side) => side.probe!.mark(durationMs)));
  for (const side of sides) side.intake?.startWindow();
  const samplers = sides.map((side) => new ProcessSampler(side.pid));
  const soak = soakSampleMs ? new SoakSampler(sides, soakSampleMs) : undefined;
  let results: PhaseResult[];
  let stats: ProbeStats[];
  let memories: Array<ReturnType<ProcessSampler['stop']>>;
  try {
    results = await driver.phase({ rateRps, durationMs, sides: loads(sides), signal });
    await soak?.stop();
    stats = await Promise.all(sides.map((side) => side.probe!.collect()));
    for (const side of sides) side.intake?.endWindow();
  } finally {
    memories = samplers.map((sampler) => sampler.stop());
    await soak?.stop();
  }
  const procAfter = sides.map((side) => readCpuTimes(side.pid));
  const logs = sides.map((side, i) => logWritten(side.logFile, logsBefore[i]!));
  const clockAfter = readCpuClock(targetCpus);
  const steal = stealPercent(clockBefore, clockAfter);
  // Only pinned: unpinned, "the target CPUs" are all of them, the generator's included.
  const targetsTicks = sides.reduce((sum, _, i) => sum + (procAfter[i]!.userMs + procAfter[i]!.systemMs - procBefore[i]!.userMs - procBefore[i]!.systemMs), 0) /
    (1000 / clockTicksPerSecond());
  const neighbours = targetCpus === undefined ? undefined : neighbourCpuPercent(clockBefore, clockAfter, targetsTicks);
  const harness = process.cpuUsage(harnessBefore);
  const harnessCpuPercent = (harness.user + harness.system) / 10 / Math.max(1, Date.now() - harnessStartMs);
  return new Map(sides.map((side, i) => {
    const memory = memories[i]!;
    return [side, {
      stats: stats[i]!,
      procBefore: procBefore[i]!,
      procAfter: procAfter[i]!,
      rssMeanBytes: memory.rssMeanBytes,
      rssPeakBytes: readMemoryStatus(side.pid).rssPeakBytes,
      timeline: memory.timeline,
      load: results[i]!,
      stealPercent: steal,
      ...(neighbours !== undefined ? { neighbourCpuPercent: neighbours } : {}),
      loadAverage1m,
      harnessCpuPercent,
      ...(soak ? { soak: soak.samples[i]! } : {}),
      ...(logs[i] ? { logs: logs[i] } : {}),
    }];
  }));
}

/**
 * Soak windows: every `intervalMs`, every side's probe forces a full GC and reads memory and CPU, all at the same
 * moment (so the GC's cost falls on both sides of a pair alike). A tick waits for the last to finish.
 */
class SoakSampler {
  readonly samples: SoakSample[][];
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly sides: readonly Side[], intervalMs: number) {
    this.samples = sides.map(() => []);
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private tick(): void {
    if (!this.stopped) this.read();
  }

  private read(): void {
    this.inFlight = this.inFlight.then(async () => {
      const read = await Promise.all(this.sides.map((side) => side.probe!.sample().catch(() => undefined)));
      read.forEach((sample, i) => { if (sample) this.samples[i]!.push(sample); });
    });
  }

  /** Stop ticking, take one last reading at the window's end, and wait for it. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      clearInterval(this.timer);
      this.read();
    }
    await this.inFlight;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What a log file gained since `fromBytes`: its bytes and lines. Undefined when the app wrote nothing (it ignores LOG_FILE). */
function logWritten(path: string, fromBytes: number): { bytes: number; lines: number } | undefined {
  const bytes = fileSize(path) - fromBytes;
  if (bytes <= 0) return undefined;
  const chunk = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, chunk, 0, bytes, fromBytes);
  } finally {
    closeSync(fd);
  }
  let lines = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
  return { bytes, lines };
}

/** A side whose intake should still receive what the window created (not one that is down on purpose). */
function awaitsDelivery(side: Side): boolean {
  return side.intake !== undefined && side.config.intakeFault !== 'down' && !side.intake.caughtUp();
}

/** Run `work` with every other side stopped (SIGSTOP), so this side has the core to itself. */
async function alone<T>(side: Side, sides: readonly Side[], work: () => Promise<T>): Promise<T> {
  const others = sides.filter((other) => other !== side);
  for (const other of others) other.pause();
  try {
    return await work();
  } finally {
    for (const other of others) other.resume();
  }
}

/**
 * Spans created in the window may still sit in an exporter's batch. Keep the
 * same load on the sides that export (so batches fill and flush as they did in
 * the window) until each intake has seen an item created after the window.
 */
async function drainIntakes(sides: readonly Side[], driver: OpenLoopDriver, rateRps: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + MAX_DRAIN_MS;
  for (;;) {
    const behind = sides.filter(awaitsDelivery);
    if (behind.length === 0 || Date.now() >= deadline || signal.aborted) return;
    await driver.phase({ rateRps, durationMs: 500, sides: loads(behind), signal });
  }
}

function toMeasuredRun(
  identity: RunIdentity,
  side: Side,
  window: WindowReading,
  solo: PhaseResult | undefined,
  counts: IntakeCounts | undefined,
  maxThroughputRps: number | undefined,
): MeasuredRun {
  const { stats, load } = window;
  const requests = load.responses;
  // Failed requests (a shed 503, a timeout) cost little and would flatter the per-request figures: CPU is charged to the
  // requests that succeeded, and the warning says so.
  const succeeded = load.succeeded;
  const cpuMs = (stats.processCpuUserUs + stats.processCpuSystemUs) / 1000;
  const procMs = window.procAfter.userMs + window.procAfter.systemMs - window.procBefore.userMs - window.procBefore.systemMs;
  const tickMs = 1000 / clockTicksPerSecond();
  const latency = solo ?? load;
  const run: MeasuredRun = {
    ...identity,
    status: 'measured',
    // With no request succeeded there is no per-request figure: 0 is written (JSON has no NaN) and the run is left out.
    exclusions: requests > 0 && succeeded === 0 ? ['no request succeeded: no CPU per successful request'] : [],
    warnings: [],
    targetPid: side.pid,
    ...(side.probe ? { nodeVersion: side.probe.hello.node } : {}),
    port: side.port,
    measuredMs: stats.elapsedMs,
    requests,
    achievedRps: load.achievedRps,
    cpuMsPerRequest: succeeded > 0 ? cpuMs / succeeded : 0,
    cpuMsPerSecond: cpuMs / (stats.elapsedMs / 1000),
    cpu: { userMs: stats.processCpuUserUs / 1000, systemMs: stats.processCpuSystemUs / 1000, procMs, procTicks: Math.round(procMs / tickMs) },
    rssMeanBytes: window.rssMeanBytes,
    rssPeakBytes: window.rssPeakBytes,
    heapUsedBytes: stats.heapUsedBytes,
    heapPeakBytes: stats.heapPeakBytes,
    externalBytes: stats.externalBytes,
    eventLoopUtilization: stats.eventLoopUtilization,
    eventLoopDelayUs: stats.eventLoopDelayUs,
    gcPauseMsTotal: stats.gcPauseMsTotal,
    gcCount: stats.gcCount,
    load: load.record,
    latencyUs: latency.latencyUs,
    latencySource: solo ? 'solo' : 'window',
    ...(solo ? { latencyLoad: solo.record } : {}),
    noise: {
      stealPercent: Math.round(window.stealPercent * 100) / 100,
      loadAverage1m: window.loadAverage1m,
      harnessCpuPercent: Math.round(window.harnessCpuPercent * 10) / 10,
      ...(window.neighbourCpuPercent !== undefined ? { neighbourCpuPercent: Math.round(window.neighbourCpuPercent * 10) / 10 } : {}),
    },
    timeline: window.timeline,
    ...(window.soak ? { soak: window.soak } : {}),
    ...(window.logs ? { logs: { ...window.logs, bytesPerRequest: window.logs.bytes / Math.max(1, requests), linesPerRequest: window.logs.lines / Math.max(1, requests) } } : {}),
    ...(counts ? { intake: intakeRecord(counts, requests) } : {}),
    ...(maxThroughputRps !== undefined ? { maxThroughputRps } : {}),
  };
  // An intake that is down on purpose receives nothing: that is the condition measured, not a broken agent.
  const down = side.config.intakeFault === 'down';
  run.exclusions.push(...judgeLoad(run, load.record), ...(down ? [] : side.config.validate?.(counts, requests) ?? []));
  run.warnings.push(...failureWarning(run, load.record));
  if (down) run.warnings.push(INTAKE_DOWN_WARNING);
  // ±1 tick at each end, plus a little for the moment between reading /proc and the probe's mark.
  if (Math.abs(procMs - cpuMs) > 2 * tickMs + 2) {
    run.warnings.push(`CPU from the probe (${cpuMs.toFixed(1)} ms) and /proc (${procMs.toFixed(0)} ms) disagree by more than the tick error: the probe may not be in the ` +
      `measured process`);
  }
  if (window.stealPercent > HEAVY_STEAL_PERCENT) run.warnings.push(`heavy steal: ${window.stealPercent.toFixed(0)}% of the target CPU's time went to other guests`);
  if ((window.neighbourCpuPercent ?? 0) > BUSY_NEIGHBOUR_PERCENT) {
    run.warnings.push(`other processes used ${window.neighbourCpuPercent!.toFixed(0)}% of the target CPU during the window (a database, a build, another test): ` +
      'both sides of a pair share it, but the spread grows (target.neighbours moves named processes off it)');
  }
  for (const record of [load.record, ...(solo ? [solo.record] : [])]) {
    if (record.sendLagUs.p99 > 5000) {
      run.warnings.push(`the load generator fell behind its schedule (p99 ${(record.sendLagUs.p99 / 1000).toFixed(1)} ms late); latency includes it`);
      break;
    }
  }
  if (load.record.maxInFlight >= load.record.connections) {
    run.warnings.push(`all ${load.record.connections} connections were busy at once: sends queued (latency includes the wait); raise workload.connections`);
  }
  return run;
}

function intakeRecord(counts: IntakeCounts, requests: number) {
  const perRequest: Record<string, number> = {};
  for (const [kind, count] of Object.entries(counts.items)) perRequest[kind] = count / Math.max(1, requests);
  return { ...counts, perRequest, bytesPerRequest: counts.payloadBytes / Math.max(1, requests) };
}

/**
 * Why a measured window was disturbed by the machine rather than the config (heavy steal, or a generator that fell
 * behind its schedule), or undefined. A disturbed window is re-measured (session.ts); its raw runs stay in the result.
 */
export function disturbance(run: Pick<MeasuredRun, 'noise' | 'load' | 'offeredRps'>): string | undefined {
  if (run.noise.stealPercent > HEAVY_STEAL_PERCENT) return `heavy steal (${run.noise.stealPercent.toFixed(0)}% of the target CPU's time)`;
  const lagMs = run.load.sendLagUs.p99 / 1000;
  const intervalMs = 1000 / run.offeredRps;
  if (lagMs > Math.max(LAG_INTERVALS * intervalMs, LAG_FLOOR_MS)) {
    return `the load generator fell behind its schedule (send lag p99 ${lagMs.toFixed(1)} ms, over ${LAG_INTERVALS} ` +
      `inter-arrival intervals of ${intervalMs.toFixed(1)} ms)`;
  }
  return undefined;
}

/** Other processes' share of the target CPU above which a window says so. */
export const BUSY_NEIGHBOUR_PERCENT = 10;

/** Reasons the load itself makes a window untrustworthy. */
export function judgeLoad(run: MeasuredRun, load: LoadRecord): string[] {
  const reasons: string[] = [];
  if (run.requests === 0) return ['no responses were received'];
  if (run.achievedRps < run.offeredRps * (1 - SATURATION_SHORTFALL)) {
    reasons.push(`saturated: ${run.achievedRps.toFixed(1)} of ${run.offeredRps} req/s answered on time (more than ${SATURATION_SHORTFALL * 100}% short)`);
  }
  // Failures on the baseline are the scenario's (or the app's) doing: its runs cannot anchor a comparison. On an agent's
  // side they are a behaviour change, which the analysis reports against the baseline; they do not hide the run.
  const failed = failedRequests(load);
  if (run.side === 'baseline' && failed / load.sent > FAILED_SHARE_TOLERANCE) {
    reasons.push(`the baseline failed ${failed} of ${load.sent} requests (${describeFailures(load)}): a scenario error; check each named route's path, ` +
      'method, body, headers and expectStatus');
  }
  return reasons;
}

/** What a candidate's failed requests mean for its figures. */
export function failureWarning(run: MeasuredRun, load: LoadRecord): string[] {
  const failed = failedRequests(load);
  if (run.side === 'baseline' || failed / load.sent <= FAILED_SHARE_TOLERANCE) return [];
  return [`${failed} of ${load.sent} requests failed (${describeFailures(load)}): CPU and latency are per successful request`];
}

/** A side that did not finish: failed (its target broke) or skipped (interrupted, or its partner broke). */
function toUnfinishedRun(identity: RunIdentity, side: Side, sides: readonly Side[], error: unknown, interrupted: boolean): RunSample {
  const failureOf = (failure: TargetFailure) => ({ reason: failure.message, outputTail: failure.stderrTail, exitCode: failure.exitCode, signal: failure.signal });
  if (side.crash) return { ...identity, status: 'failed', failure: failureOf(side.crash) };
  const culprit = sides.find((other) => other.crash);
  if (culprit) return { ...identity, status: 'skipped', reason: `its partner ${culprit.planned.config} failed (${culprit.crash!.message})` };
  if (interrupted || error instanceof Interrupted) return { ...identity, status: 'skipped', reason: 'interrupted before the run finished' };
  // Not a crash and not ours to blame on one side (e.g. a probe that stopped answering): every side failed.
  return { ...identity, status: 'failed', failure: failureOf(new TargetFailure((error as Error).message, side.outputTail(), null, null)) };
}
