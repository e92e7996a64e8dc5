/**
 * One run's record, as the result file keeps it: where it sat in the plan and,
 * only when it was measured, what was measured. A union by status, so readers
 * cannot reach a measurement a failed run does not have.
 */

/**
 * co-scheduled: each candidate runs at the same time as its own fresh baseline,
 * both on the target core under identical load, so the machine's noise is
 * common to both and cancels in their ratio. sequential: one target at a time,
 * every config once per block, compared with the baseline of its block.
 */
export type Design = 'co-scheduled' | 'sequential';
export type Side = 'baseline' | 'candidate';

/** What a local intake counted during the measured window. */
export interface IntakeCounts {
  payloads: number;
  payloadBytes: number;
  /** Items by kind: spans, traces, errorEvents, transactions, series, scrapes… */
  items: Record<string, number>;
  /**
   * Spans by what made them, in the vendor's own terms ("fastify.request (fastify)", "auto.db.otel.postgres db"): the proof
   * of which integrations attached. Absent when the intake has no spans, or in results from before it was recorded.
   */
  spanNames?: Record<string, number>;
}

export interface IntakeRecord extends IntakeCounts {
  /** items ÷ requests in the window. */
  perRequest: Record<string, number>;
  bytesPerRequest: number;
}

export interface LatencySummaryUs {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** The full HDR histogram (µs), compressed base64, for percentile curves in reports. */
  histogram: string;
}

/** How well the load generator kept to its schedule: actual send time − intended send time. */
export interface SendLagUs {
  p50: number;
  p99: number;
  max: number;
}

/** What the load generator saw in one phase. */
export interface LoadRecord {
  /** Requests sent (scheduled) in the phase. */
  sent: number;
  statusCounts: Record<string, number>;
  /** `METHOD /path` → status → count, so a failing route is named. */
  statusByRoute: Record<string, Record<string, number>>;
  /**
   * `METHOD /path` → what failed → count: statuses other than 2xx/3xx that no route expects, "timeout" and
   * "socket error". Absent in results written before it was recorded.
   */
  failedByRoute?: Record<string, Record<string, number>>;
  /** Statuses other than 2xx/3xx that no route declared with expectStatus. */
  unexpectedStatuses: number;
  socketErrors: number;
  timeouts: number;
  /** Most requests in flight at once: the connections the open-loop schedule needed. */
  maxInFlight: number;
  /** The connection cap; reaching it means sends queued behind slow responses. */
  connections: number;
  sendLagUs: SendLagUs;
}

export interface RunFailure {
  reason: string;
  outputTail: string;
  exitCode?: number | null;
  signal?: string | null;
}

export interface TimelinePoint {
  tMs: number;
  cpuPercent: number;
  rssBytes: number;
}

/**
 * A soak sample, read by the probe inside the target every `soak.sample`: memory right after a full GC the
 * probe forces (both sides at the same moment, so its cost cancels), and cumulative CPU since the window began.
 */
export interface SoakSample {
  /** Since the window began, by the target's clock. */
  tMs: number;
  heapAfterGcBytes: number;
  rssBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Active handles and requests (sockets, timers, servers): process.getActiveResourcesInfo(). */
  handles: number;
  /** process.cpuUsage() user + system since the window began. */
  cpuUs: number;
}

/** Where a run sits in the plan. Runs that share `pair` are compared with each other. */
export interface RunIdentity {
  /** Position in `runs`. */
  index: number;
  /** The planned unit it belongs to: a co-scheduled pair, or one sequential run. */
  unit: number;
  round: number;
  /** Co-scheduled: the two runs of one pair. Sequential: every run of one block at one rate. */
  pair: number;
  config: string;
  side: Side;
  /** Co-scheduled: slot 0 starts first and sends first on every tick; slots alternate so neither side is favoured. */
  slot: 0 | 1;
  offeredRps: number;
  startedAt: string;
}

/** A run that finished its measured window: the only kind that has measurements. */
export interface MeasuredRun extends RunIdentity {
  status: 'measured';
  /** Why the estimates leave this run out (saturated, errors, no spans delivered…). Empty = valid. */
  exclusions: string[];
  /** Worth knowing, not disqualifying (the /proc cross-check disagreed, heavy steal…). */
  warnings: string[];
  targetPid: number;
  /** The target's Node (process.version), as its probe reported it. */
  nodeVersion?: string;
  port: number;
  /** The measured window by the target's own clock (probe mark → collect). */
  measuredMs: number;
  /** Responses to requests sent in the window. */
  requests: number;
  achievedRps: number;
  /** Primary CPU figure: process.cpuUsage() in the target (µs resolution, all threads) ÷ requests. */
  cpuMsPerRequest: number;
  /** The same CPU per second of window: agents have per-second costs. */
  cpuMsPerSecond: number;
  cpu: {
    userMs: number;
    systemMs: number;
    /** Cross-check: utime + stime from /proc/<pid>/stat over the same window (10 ms ticks). */
    procMs: number;
    procTicks: number;
  };
  rssMeanBytes: number;
  rssPeakBytes: number;
  heapUsedBytes: number;
  heapPeakBytes: number;
  externalBytes: number;
  eventLoopUtilization: number;
  eventLoopDelayUs: { p50: number; p99: number; max: number; mean: number };
  gcPauseMsTotal: number;
  gcCount: number;
  /** Load during the CPU window. */
  load: LoadRecord;
  /**
   * Latency from the intended send time (open loop, wrk2-style). Co-scheduled:
   * from a solo phase with the partner stopped, so the target had the core to itself.
   */
  latencyUs: LatencySummaryUs;
  latencySource: 'solo' | 'window';
  /** The load of the solo latency phase (co-scheduled only). */
  latencyLoad?: LoadRecord;
  noise: {
    /** Share of the target CPUs' time stolen by the hypervisor during the window. */
    stealPercent: number;
    loadAverage1m: number;
    /** CPU of apm-bench itself (load generator, intakes) during the window, in % of one core. */
    harnessCpuPercent: number;
    /** Pinned windows: the share of the target CPUs' time other processes ran there (a database, a build). */
    neighbourCpuPercent?: number;
  };
  timeline: TimelinePoint[];
  /** What the app wrote to its log file (LOG_FILE) during the window, when it honours it. */
  logs?: { bytes: number; lines: number; bytesPerRequest: number; linesPerRequest: number };
  /** Soak windows only: the probe's samples over the whole window. */
  soak?: SoakSample[];
  intake?: IntakeRecord;
  maxThroughputRps?: number;
}

export interface FailedRun extends RunIdentity {
  status: 'failed';
  failure: RunFailure;
}

export interface SkippedRun extends RunIdentity {
  status: 'skipped';
  reason: string;
}

export type RunSample = MeasuredRun | FailedRun | SkippedRun;

/**
 * Failed requests (unexpected statuses, timeouts, socket errors) above this share of those sent are worth a word: on a
 * baseline they are a scenario error, on an agent's side a behaviour change.
 */
export const FAILED_SHARE_TOLERANCE = 0.01;

/** Requests of a phase that failed: statuses no route expects, timeouts and socket errors. */
export function failedRequests(load: LoadRecord): number {
  return load.unexpectedStatuses + load.socketErrors + load.timeouts;
}

/** "GET /login → 150× 400; GET /db → 3× timeout": what failed, route by route, most first. */
export function describeFailures(load: LoadRecord): string {
  const byRoute = load.failedByRoute ?? {};
  const parts = Object.entries(byRoute)
    .map(([route, failures]) => [route, Object.entries(failures).sort(([, a], [, b]) => b - a)] as const)
    .sort(([, a], [, b]) => b.reduce((s, [, n]) => s + n, 0) - a.reduce((s, [, n]) => s + n, 0))
    .map(([route, failures]) => `${route} → ${failures.map(([what, n]) => `${n}× ${what}`).join(', ')}`);
  return parts.join('; ');
}

/** Runs that count: measured, and nothing disqualified them. */
export function isValidRun(run: RunSample): run is MeasuredRun {
  return run.status === 'measured' && run.exclusions.length === 0;
}

/** Why a run is not in the estimates, in one list whatever its status. */
export function exclusionReasons(run: RunSample): string[] {
  if (run.status === 'measured') return run.exclusions;
  if (run.status === 'failed') return [run.failure.reason];
  return [run.reason];
}

/** How the load generator spaces arrivals: evenly, Poisson, or (the profiling pass only) in groups at the same mean rate. */
export type Arrival = 'constant' | 'poisson' | 'burst';

/** How the exclusion of a window the machine disturbed ends: its re-measurement follows, with the same pair. */
export const REPLACED = ': replaced by a re-measurement of the pair';
