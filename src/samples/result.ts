import { mkdirSync, renameSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IntakeCounts } from '../instrument/types.js';
import type { LatencySummaryUs } from '../run/load.js';
import { InputError } from '../cli/errors.js';
import type { Analysis } from '../analysis/analyse.js';
import type { Budget } from '../analysis/budgets.js';

/**
 * The result file: every run's raw measurements, the scenario and the machine.
 * Reports, the gate and cost projection read only this. Units are in the names.
 * Bump RESULT_SCHEMA_VERSION on any incompatible change (docs/result-schema.md).
 */
export const RESULT_SCHEMA_VERSION = 1;

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

export interface RunSample {
  index: number;
  block: number;
  position: number;
  config: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why a run is not usable (crash, saturation, agent not loaded…). Empty for a valid run. */
  invalidReasons: string[];
  failure?: RunFailure;
  startedAt: string;
  targetPid?: number;
  port?: number;
  offeredRps: number;
  achievedRps?: number;
  /** Achieved rate fell more than 2% short of the offered rate: the target (or load generator) could not keep up. */
  saturated?: boolean;
  measuredMs?: number;
  requests?: number;
  statusCounts?: Record<string, number>;
  unexpectedStatusCount?: number;
  socketErrors?: number;
  timeouts?: number;
  cpuUserMs?: number;
  cpuSystemMs?: number;
  cpuMsPerRequest?: number;
  /** Clock ticks behind cpuUserMs + cpuSystemMs: ±1 tick is the resolution (below ~100 ticks, lengthen the window). */
  cpuTicks?: number;
  /** The same CPU from inside the target (process.cpuUsage, µs resolution), as a cross-check. */
  probeCpuMsPerRequest?: number;
  rssMeanBytes?: number;
  rssPeakBytes?: number;
  heapUsedBytes?: number;
  heapPeakBytes?: number;
  eventLoopUtilization?: number;
  eventLoopDelayUs?: { p50: number; p99: number; max: number; mean: number };
  gcPauseMsTotal?: number;
  gcCount?: number;
  latencyUs?: LatencySummaryUs;
  timeline?: TimelinePoint[];
  maxThroughputRps?: number;
  intake?: IntakeCounts & { perRequest: Record<string, number>; bytesPerRequest: number };
}

export interface ConfigRecord {
  name: string;
  kind: string;
  preloads: string[];
  options: Record<string, unknown>;
  envKeys: string[];
  agent?: { package: string; version: string; from: 'target' | 'apm-bench' };
}

export interface EnvironmentRecord {
  hostname: string;
  platform: string;
  kernel: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  nodeVersion: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  packages: Record<string, string>;
  pinning: { enabled: boolean; targetCpus?: string; loadGeneratorCpus?: string; note: string };
  strippedEnv: string[];
}

export interface Calibration {
  pairs: number;
  /** Per metric: SD of per-block A/A log-ratios, and the minimum detectable overhead by number of rounds. */
  metrics: Record<string, { logRatioSD: number; minimumDetectableEffect: Record<string, number> }>;
}

export interface ResultDocument {
  schemaVersion: number;
  tool: { name: 'apm-bench'; version: string };
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  startedAt: string;
  finishedAt?: string;
  scenario: {
    name: string;
    file: string;
    sha256: string;
    baseline: string;
    workload: Record<string, unknown>;
    budgets: Budget[];
    target: { kind: string; path: string };
  };
  loadModel: string;
  configs: ConfigRecord[];
  environment: EnvironmentRecord;
  runs: RunSample[];
  notes: string[];
  /** Set by `apm-bench calibrate`: the A/A noise floor of this scenario on this machine. */
  calibration?: Calibration;
  /** With `run --gate`: the machine-readable verdict. */
  gate?: { verdict: string; exitCode: number; inconclusivePolicy: string; cases: unknown[] };
  /** Estimates, verdicts and models derived from `runs` when the session ended (recomputable from runs). */
  analysis?: Analysis;
}

/** Write via a temporary file and rename, so a crash or Ctrl-C never leaves half a file. */
export function writeResultAtomic(path: string, result: ResultDocument): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(temporary, path);
}

export function readResult(path: string): ResultDocument {
  let data: ResultDocument;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as ResultDocument;
  } catch (error) {
    throw new InputError(`${path}: cannot read a result file: ${(error as Error).message}`);
  }
  if (data.schemaVersion !== RESULT_SCHEMA_VERSION || data.tool?.name !== 'apm-bench') {
    throw new InputError(`${path}: not an apm-bench result of schema version ${RESULT_SCHEMA_VERSION} (found ${String(data.schemaVersion)}).`);
  }
  return data;
}
