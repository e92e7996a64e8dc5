import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { InputError, readRegularFile } from '../errors.js';
import type { Analysis, Budget, MoneyBudget } from './analysis.js';
import type { Design } from './runs.js';
import type { ProfilingRecord } from './profile.js';
import { cleanText, resultSchema } from './result-schema.js';
import type { RunSample } from './runs.js';

export * from './runs.js';

/**
 * The result file: every run's raw measurements, the scenario, the design and
 * the machine. Reports, the gate and cost projection read only this. Units are
 * in the names. Bump RESULT_SCHEMA_VERSION on any incompatible change
 * (docs/result-schema.md).
 */
export const RESULT_SCHEMA_VERSION = 2;

/** The first note of a simulated result, and the first line every report prints of one. */
export const SIMULATED_NOTE = 'SIMULATED session (APM_BENCH_SIMULATE): no target process was started; every figure was drawn from the model recorded in ' +
  '"simulation". For testing apm-bench itself, never for decisions.';

export interface ConfigRecord {
  name: string;
  kind: string;
  preloads: string[];
  options: Record<string, unknown>;
  /** The swept sampling option's value, when the config has one (sampleRate, tracesSampleRate, ratio). */
  sampleRate?: number;
  envKeys: string[];
  agent?: { package: string; version: string; from: 'target' | 'apm-bench' | 'cache'; why?: 'pinned' | 'tested' };
  /** How the agent was loaded ("--import dd-trace/initialize.mjs (ESM)"). */
  loading?: string;
  /** Libraries the agent instruments out of the box (fastify, pg, mysql2…), to tell an integration that did not attach. */
  instruments?: string[];
  /** A runtime matrix: the Node this config (and the baselines beside it) ran on. */
  runtime?: { spec: string; label: string; execPath: string };
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
  /** The load generator's priority against the targets' (run/environment.ts), absent on simulated sessions and in results before it. */
  generatorPriority?: { applied: boolean; generatorNice: number; targetNice: number; note: string };
  /** target.neighbours: each named process, how many ran and whether they were moved off the target CPU (run/neighbours.ts). */
  neighbours?: Array<{ name: string; processes: number; moved: boolean; note: string }>;
  /** How the session was kept from reaching other machines (run/network.ts): a loopback-only namespace, or the host network and why. */
  network?: { isolation: 'namespace' | 'host'; note: string; bridgedPorts?: number[] };
}

export interface DesignRecord {
  kind: Design;
  /** Seed of the config order in each round: the same seed replays the same order. */
  seed: number;
  arrival: 'constant' | 'poisson';
  /** Offered rates, each measured for every config; the first is the primary one. */
  ratesRps: number[];
  /** Co-scheduled: the solo latency phase per side. */
  latencyMs: number;
  /** Why the design is what it is (e.g. a fallback to sequential), in words. */
  note?: string;
  /** A soak session: each window runs this long and the probe samples memory and CPU every `sampleMs`. */
  soak?: SoakDesign;
}

export interface SoakDesign {
  durationMs: number;
  sampleMs: number;
  /** The first share of each window is warm-up (JIT, caches, pools) and is left out of the slopes. */
  warmupShare: number;
}

export interface Calibration {
  design: Design;
  pairs: number;
  /** Per metric: SD of per-pair A/A log-ratios, and the minimum detectable overhead by number of rounds. */
  metrics: Record<string, { logRatioSD: number; minimumDetectableEffect: Record<string, number> }>;
  /**
   * With `calibrate --agents`: each real agent's own spread of per-pair log CPU ratios, which is wider than A/A (its
   * work comes in lumps), the overhead it read, what each number of rounds detects for it, and the rounds that resolve 5%.
   */
  agents?: AgentSpread[];
  /** With `calibrate --neighbour`: the synthetic neighbour, and how far each config's overhead moved under it. */
  neighbour?: {
    /** The neighbour as specified, the units it ran through, and the share of every CPU its processes used then (/proc). */
    hog: { processes: number; busyMs: number; idleMs: number; units: number; cpuPercent: number };
    configs: NeighbourShift[];
  };
}

/** One side of `calibrate --neighbour`: a config's pairs with the neighbour off, or on. */
export interface NeighbourSide {
  pairs: number;
  overhead: number;
  logRatioSD: number;
  /** Mean share of the target CPU that other processes used in its windows (pinned sessions): the neighbour's reach. */
  otherCpuPercent?: number;
}

export interface NeighbourShift {
  config: string;
  quiet: NeighbourSide;
  busy: NeighbourSide;
  /** exp(mean busy log ratio − mean quiet log ratio) − 1: how far the overhead moved, with its 95% Welch interval. */
  shift: number;
  shiftLow: number;
  shiftHigh: number;
}

export interface AgentSpread {
  config: string;
  pairs: number;
  logRatioSD: number;
  overhead: number;
  minimumDetectableEffect: Record<string, number>;
  /** Rounds whose CPU CI resolves a 5% change for this agent (95% confidence, 80% power), when 500 or fewer do. */
  roundsFor5Percent?: number;
  /**
   * Share of the variance of its per-pair log ratios that each recorded covariate explains alone (r², 0–1), with 4 or
   * more pairs and where the covariate varies: what its spread goes with, as evidence for its cause.
   */
  explained?: Partial<Record<SpreadCovariate, number>>;
}

/**
 * What a pair's spread is set against: the baseline's own CPU/request (the machine's speed of the moment), the agent's
 * in-window payloads, the harness's CPU, the generator's send lag and neighbours on the target CPU.
 */
export type SpreadCovariate = 'baselineCpu' | 'payloads' | 'harnessCpu' | 'sendLag' | 'neighbourCpu';

/** The gate's decision as stored in the result. */
export interface GateRecord {
  verdict: 'pass' | 'fail' | 'inconclusive';
  exitCode: number;
  inconclusivePolicy: string;
  cases: Array<{ config: string; check: string; verdict: 'pass' | 'fail' | 'inconclusive'; measured: string; note?: string }>;
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
    /** Command-line flags that replaced scenario values (`--rate 500`), as given. */
    overrides?: Record<string, string>;
    budgets: Budget[];
    /** Ceilings on the projected monthly bill (`cost: "$2000/month"`). */
    moneyBudgets?: MoneyBudget[];
    /** Logs shipped to the vendor in production: billed from the measured log bytes and lines per request. */
    logs?: { shipped: boolean; indexedFraction: number };
    /** moduleSystem: how the app's code loads (and so its agents), with the evidence; absent in results before 0.1 had it. */
    target: { kind: string; path: string; moduleSystem?: { kind: 'esm' | 'commonjs'; why: string }; uses?: string[] };
  };
  design: DesignRecord;
  loadModel: string;
  configs: ConfigRecord[];
  environment: EnvironmentRecord;
  runs: RunSample[];
  notes: string[];
  /** Set by `apm-bench calibrate`: the A/A noise floor of this scenario on this machine. */
  calibration?: Calibration;
  /** With `run --profile`: the profiling pass, never part of the estimates. */
  profiling?: ProfilingRecord;
  /** With `run --gate`: the machine-readable verdict. */
  gate?: GateRecord;
  /** A simulated session (APM_BENCH_SIMULATE, for testing apm-bench): the model every figure was drawn from. No process ran. */
  simulation?: Record<string, unknown>;
  /** Estimates, verdicts and models derived from `runs` when the session ended (recomputable from runs). */
  analysis?: Analysis;
}

/** Write via a temporary file and rename, so a crash or Ctrl-C never leaves half a file. */
export function writeResultAtomic(path: string, result: ResultDocument): void {
  mkdirSync(dirname(path), { recursive: true });
  // Minus is ASCII in files for machines (U+2212 is for people's text); free text is cleaned as the reader's schema
  // cleans it (an app's stderr tail may hold terminal escapes).
  const text = `${JSON.stringify(result, (_key, v: unknown) => (typeof v === 'string' ? cleanText(v.replaceAll('\u2212', '-')) : v), 2)}\n`;
  if (process.env.APM_BENCH_CHECK_RESULTS) assertSchemaKeeps(JSON.parse(text) as unknown);
  const temporary = `${path}.${process.pid}.tmp`;
  // 'w' truncates an existing temporary and follows a planted link: 'wx' creates it or fails.
  rmSync(temporary, { force: true });
  writeFileSync(temporary, text, { flag: 'wx' });
  renameSync(temporary, path);
}

export function readResult(path: string): ResultDocument {
  let data: ResultDocument;
  // A FIFO or a device would block or stream for ever; a result is a regular file (long soaks reach tens of MB).
  const text = readRegularFile(path, path, 'result file', 512 * 1024 * 1024);
  try {
    data = JSON.parse(text) as ResultDocument;
  } catch (error) {
    throw new InputError(`${path}: cannot read a result file: ${(error as Error).message}.`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${path}: not an apm-bench result file (expected a JSON object, found ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}).`);
  }
  if (data.tool?.name !== 'apm-bench') {
    const name = (data as { tool?: { name?: unknown } }).tool?.name;
    throw new InputError(`${path}: not an apm-bench result file${typeof name === 'string' ? ` (it was written by ${name})` : ' (no "tool": { "name": "apm-bench" })'}.`);
  }
  if (data.schemaVersion === 1) {
    throw new InputError(
      `${path}: a schema version 1 result, from the sequential engine of apm-bench 0.1. Its CPU figures came from 10 ms ticks ` +
      'and closed-loop load, and cannot be mixed with version 2; re-run the scenario to get a version 2 result.',
    );
  }
  if (data.schemaVersion !== RESULT_SCHEMA_VERSION) {
    throw new InputError(`${path}: result schema version ${String(data.schemaVersion)}; this apm-bench reads version ${RESULT_SCHEMA_VERSION}.`);
  }
  const shape = resultSchema.safeParse(data);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    const more = shape.error.issues.length > 1 ? ` (and ${shape.error.issues.length - 1} more)` : '';
    throw new InputError(`${path}: a damaged or incomplete result file: ${jsonPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}${more}.`);
  }
  // The schema's output: objects hold only the fields it checked.
  return shape.data as unknown as ResultDocument;
}

/**
 * The test suite's check that the reader's schema names every field the writer writes (a field it does not name is
 * stripped on read, and reports would silently lose it): set APM_BENCH_CHECK_RESULTS and every write is checked.
 */
function assertSchemaKeeps(written: unknown): void {
  const parsed = resultSchema.safeParse(written);
  if (!parsed.success) throw new Error(`the result schema refuses what the session wrote: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  if (!isDeepStrictEqual(parsed.data, written)) {
    throw new Error(`the result schema strips or changes what the session wrote, at ${firstDifference(written, parsed.data) ?? '?'}`);
  }
}

function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    for (const key of Object.keys(a)) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return isDeepStrictEqual(a, b) ? undefined : at;
}

/** `runs[3].load.sent`: where in the file, as jq and editors spell it. */
function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  if (!path.length) return '(top level)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`)).join('');
}
