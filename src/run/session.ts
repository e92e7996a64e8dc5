import { removeTemporaryDirectory, temporaryDirectory } from '../cleanup.js';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planRound, pairsPerRound, type PlannedUnit } from '../plan/plan.js';
import { resolveDesign } from '../plan/design.js';
import { analyse, undecided } from '../analysis/analyse.js';
import { attribute, summariseProfile } from '../analysis/profile.js';
import { estimateOf } from '../samples/analysis.js';
import type { CpuProfile, ProfiledRun, ProfileSummary, ProfilingRecord } from '../samples/profile.js';
import type { LoadedScenario } from '../scenario/load.js';
import { packageRoot, toolVersion } from '../paths.js';
import { formatDuration, safeFileName } from '../samples/units.js';
import {
  RESULT_SCHEMA_VERSION, SIMULATED_NOTE, writeResultAtomic, type DesignRecord, type MeasuredRun, type ResultDocument, type RunSample,
} from '../samples/result.js';
import { REPLACED } from '../samples/runs.js';
import { startDownstreamStub } from './downstream.js';
import { sanitizeEnv } from '../instrument/env.js';
import { machineFacts, packageVersions, pinCpus, raiseGeneratorPriority, restoreGeneratorPriority } from './environment.js';
import type { NetworkRecord } from './network.js';
import { ProbeServer } from './probe-server.js';
import { moveNeighbours, type NeighbourMove } from './neighbours.js';
import { disturbance, measureUnit, type Phase, type RunContext } from './runner.js';
import { BURST } from './ticker-worker.js';
import { SimulatedExecutor, simulationFromEnv } from './simulate.js';

export const LOAD_MODEL = {
  'co-scheduled':
    'Open loop at a fixed arrival rate (undici, a worker-thread clock): requests go out on schedule whatever the answers, and latency is measured from the ' +
    'intended send time (coordinated omission corrected, as wrk2 does). Each candidate ran at the same time as its own fresh baseline, both pinned to the ' +
    'target CPU, each driven by its own connections from the same schedule and route sequence; CPU per request is the target\'s own process.cpuUsage() ' +
    '(µs, all threads) over that shared window. Latency comes from a solo phase per side with its partner stopped.',
  sequential:
    'Open loop at a fixed arrival rate (undici, a worker-thread clock): requests go out on schedule whatever the answers, and latency is measured from the ' +
    'intended send time (coordinated omission corrected, as wrk2 does). One target at a time; CPU per request is the target\'s own process.cpuUsage() ' +
    '(µs, all threads) over the window.',
} as const;

export interface SessionOptions {
  outPath: string;
  signal: AbortSignal;
  /** Overrides the scenario's rounds. */
  rounds?: number | 'auto';
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Progress notes, e.g. why an adaptive run keeps going. */
  onNote?: (text: string) => void;
  onUnitStart?: (unit: PlannedUnit, total: number) => void;
  onPhase?: (unit: PlannedUnit, phase: Phase, phaseMs: number) => void;
  onUnitEnd?: (unit: PlannedUnit, runs: RunSample[], total: number) => void;
  /** After the rounds, one more window per config under V8's sampling profiler; its files go to `dir`. */
  profile?: { dir: string; intervalUs: number };
  /** How the session was kept from reaching other machines (run/network.ts), for the result. */
  network?: NetworkRecord;
  /**
   * Awaited before each attempt at a unit, and what it returns after the attempt: `calibrate --neighbour` starts its
   * synthetic neighbour here for the units it measures under one. Not called in a simulated session, which starts no process.
   */
  aroundUnit?: (unit: PlannedUnit) => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Run the whole plan:
 *   1. record the session (scenario, design, machine, what was stripped from the env)
 *   2. start the helpers every target uses (probe socket, downstream stub)
 *   3. run the rounds, a unit at a time, rewriting the result file after each
 *   4. analyse, and close the result
 * What was measured survives a crash, a failed config or Ctrl-C.
 */
export async function runSession(loaded: LoadedScenario, options: SessionOptions): Promise<ResultDocument> {
  const { scenario } = loaded;
  const seed = options.seed ?? scenario.workload.seed ?? randomInt(2 ** 31);
  const design = resolveDesign(loaded, seed);
  const rounds = options.rounds ?? scenario.workload.rounds;
  const auto = scenario.workload.autoRounds;
  const minRounds = rounds === 'auto' ? auto.min : rounds;
  const maxRounds = rounds === 'auto' ? Math.max(auto.min, auto.max) : rounds;

  const { result, baseEnv, pinning } = recordSession(loaded, design, rounds, options.network);
  // Tests of wiring, formats and verdicts: no process is started, and the result says so first.
  const simulation = simulationFromEnv();
  const simulated = simulation ? new SimulatedExecutor(simulation) : undefined;
  if (simulation) {
    result.simulation = simulation;
    result.notes.unshift(SIMULATED_NOTE);
  }
  const priority = simulated ? undefined : raiseGeneratorPriority();
  if (priority) result.environment.generatorPriority = priority;
  const neighbours: NeighbourMove | undefined = simulated || !loaded.target.neighbours.length ? undefined : moveNeighbours(loaded.target.neighbours, pinning);
  if (neighbours) result.environment.neighbours = neighbours.records;
  writeResultAtomic(options.outPath, result);

  const probes = new ProbeServer();
  await probes.listen();
  const logDir = temporaryDirectory('apm-bench-logs-');
  const downstream = await startDownstreamStub();
  const ctx: RunContext = {
    scenario: loaded, probes, baseEnv, downstreamUrl: downstream.url, targetCpus: pinning.targetCpus, signal: options.signal, logDir,
    ...(priority?.applied ? { niceIncrement: priority.targetNice - priority.generatorNice } : {}),
    seed, arrival: design.arrival, coScheduled: design.kind === 'co-scheduled', latencyMs: design.latencyMs, onPhase: options.onPhase,
  };
  const configs = new Map(loaded.configs.map((config) => [config.name, config]));
  const names = loaded.configs.map((config) => config.name);
  const unitsPerRound = design.kind === 'co-scheduled' ? (names.length - 1) * design.ratesRps.length : names.length * design.ratesRps.length;
  let replacements = 0;
  const replacementBudget = Math.max(MAX_REPLACEMENTS, Math.ceil(REPLACEMENT_SHARE * maxRounds * unitsPerRound));
  const total = () => maxRounds * unitsPerRound + replacements;
  const broken = new Map<string, string>();
  let units = 0;
  let pairs = 0;
  try {
    for (let round = 0; round < maxRounds && !options.signal.aborted; round += 1) {
      if (round >= minRounds && !keepGoing(result, loaded, auto.precision, round, options)) break;
      const plan = planRound({ design: design.kind, configs: names, baseline: scenario.baseline, ratesRps: design.ratesRps, round, seed, firstUnit: units, firstPair: pairs });
      units += plan.length;
      pairs += pairsPerRound(design.kind, names.length - 1, design.ratesRps.length);
      for (const unit of plan) {
        if (options.signal.aborted) break;
        for (let attempt = 0; ; attempt += 1) {
          // A re-measured unit keeps its pair, so its runs take the disturbed ones' place in the estimates.
          const attemptUnit = attempt === 0 ? unit : { ...unit, index: units++ };
          options.onUnitStart?.(attemptUnit, total());
          const skipped = broken.size && unit.runs.some((run) => broken.has(run.config)) ? skipUnit(attemptUnit, result.runs.length, broken) : undefined;
          let samples: RunSample[];
          if (skipped) samples = skipped;
          else if (simulated) samples = await simulated.measureUnit(attemptUnit, configs, result.runs.length, ctx);
          else {
            const after = await options.aroundUnit?.(attemptUnit);
            try {
              samples = await measureUnit(attemptUnit, configs, result.runs.length, ctx);
            } finally {
              await after?.();
            }
          }
          for (const sample of samples) if (sample.status === 'failed') broken.set(sample.config, sample.failure.reason);
          const replaced = !options.signal.aborted && judgeDisturbance(samples, attempt, replacements < replacementBudget);
          result.runs.push(...samples);
          writeResultAtomic(options.outPath, result);
          options.onUnitEnd?.(attemptUnit, samples, total());
          if (!replaced) break;
          replacements += 1;
          options.onNote?.(`Pair ${unit.pair} (${unit.runs.map((run) => run.config).join(' vs ')}): ${replaced}; measuring it again.`);
        }
      }
      if (broken.has(scenario.baseline)) {
        options.onNote?.(`The baseline ${scenario.baseline} failed; nothing else can be compared, so the session stops.`);
        break;
      }
    }
    if (options.profile && simulated) result.notes.push('Profiling pass: not simulated (it needs V8 profiles of real targets).');
    if (options.profile && !simulated && !options.signal.aborted && !broken.has(scenario.baseline)) {
      const profiled = await profilingPass(loaded, options.profile, design.ratesRps[0]!, units, broken, ctx, options);
      result.profiling = { intervalUs: options.profile.intervalUs, rateRps: design.ratesRps[0]!, runs: profiled, attribution: [], stacks: {} };
      writeResultAtomic(options.outPath, result);
    }
  } finally {
    await downstream.close();
    await probes.close();
    removeTemporaryDirectory(logDir);
    restoreGeneratorPriority(priority);
    neighbours?.restore();
  }
  result.analysis = analyse(result, loaded.budgets);
  if (result.profiling) Object.assign(result.profiling, attributeProfiles(result, result.profiling.runs));
  result.status = options.signal.aborted ? 'interrupted' : result.runs.some((run) => run.status === 'failed') ? 'failed' : 'complete';
  result.finishedAt = new Date().toISOString();
  result.environment.loadAverageEnd = machineFacts().loadAverage;
  writeResultAtomic(options.outPath, result);
  return result;
}

/**
 * The profiling pass: each config once more, alone, under the same load, with
 * the probe running V8's sampling profiler over the window. These windows are
 * kept out of `runs`, so they can never reach the estimates.
 */
async function profilingPass(
  loaded: LoadedScenario, profile: { dir: string; intervalUs: number }, rateRps: number, firstUnit: number,
  broken: ReadonlyMap<string, string>, ctx: RunContext, options: SessionOptions,
): Promise<ProfiledRun[]> {
  mkdirSync(profile.dir, { recursive: true });
  const out: ProfiledRun[] = [];
  const names = [loaded.scenario.baseline, ...loaded.configs.map((c) => c.name).filter((name) => name !== loaded.scenario.baseline)];
  for (const [offset, name] of names.entries()) {
    if (options.signal.aborted) break;
    if (broken.has(name)) {
      out.push({ config: name, status: 'failed', reason: `not profiled: it failed in the rounds (${broken.get(name)})` });
      continue;
    }
    const config = loaded.configs.find((c) => c.name === name)!;
    const file = join(profile.dir, `${safeFileName(name)}.cpuprofile`);
    const profiled = { ...config, env: { ...config.env, APM_BENCH_PROFILE: file, APM_BENCH_PROFILE_INTERVAL_US: String(profile.intervalUs) } };
    const unit: PlannedUnit = {
      index: firstUnit + offset, round: -1, pair: -1 - offset, rateRps,
      runs: [{ config: name, side: name === loaded.scenario.baseline ? 'baseline' : 'candidate', slot: 0 }],
    };
    options.onNote?.(`Profiling ${name} (one more window, alone, unpinned, requests in groups of ${BURST} at the same rate, V8 sampling every ` +
      `${profile.intervalUs} µs; not in the estimates)…`);
    // Unpinned: V8's sampler is a thread of the target, and on the target's single pinned core it could run only when the main
    // thread idles, so busy samples would be lost.
    const [sample] = await measureUnit(unit, new Map([[name, profiled]]), 0, { ...ctx, coScheduled: false, targetCpus: undefined, arrival: 'burst' });
    if (sample?.status === 'measured' && existsSync(file)) {
      out.push({ config: name, status: 'measured', file, requests: sample.requests, cpuMsPerRequest: sample.cpuMsPerRequest });
    } else {
      out.push({ config: name, status: 'failed', reason: sample?.status === 'failed' ? sample.failure.reason : 'the probe wrote no profile' });
    }
  }
  return out;
}

/** Each profiled config against the profiled baseline, with the paired estimate of its extra CPU for scale. */
function attributeProfiles(result: ResultDocument, runs: readonly ProfiledRun[]): Pick<ProfilingRecord, 'attribution' | 'stacks'> {
  const summaries = new Map<string, ProfileSummary>();
  for (const run of runs) {
    if (run.status !== 'measured') continue;
    try {
      const preloads = result.configs.find((c) => c.name === run.config)?.preloads ?? [];
      summaries.set(run.config, summariseProfile(run.config, JSON.parse(readFileSync(run.file, 'utf8')) as CpuProfile, run.requests, packageRoot, preloads));
    } catch { /* an unreadable profile is reported as missing from the attribution */ }
  }
  const baseline = summaries.get(result.scenario.baseline);
  const attribution = baseline ? [...summaries.values()].filter((s) => s !== baseline).map((summary) => {
    const estimate = result.analysis ? estimateOf(result.analysis, summary.config, 'cpuMsPerRequest') : undefined;
    return attribute(summary, baseline, estimate?.delta);
  }) : [];
  return { attribution, stacks: Object.fromEntries([...summaries].map(([name, summary]) => [name, summary.stacks])) };
}

/** `rounds: auto`: is any verdict still undecided? Says why it keeps going. */
function keepGoing(result: ResultDocument, loaded: LoadedScenario, precision: number, round: number, options: SessionOptions): boolean {
  const open = undecided(result, loaded.budgets, precision);
  if (open.length === 0) {
    options.onNote?.(`All verdicts decided after ${round} rounds.`);
    return false;
  }
  options.onNote?.(`Round ${round + 1}: still undecided — ${open.slice(0, 3).join('; ')}${open.length > 3 ? `; +${open.length - 3} more` : ''}`);
  return true;
}

/** A config that crashed once will crash again: spend the time on the others. */
function skipUnit(unit: PlannedUnit, firstIndex: number, broken: ReadonlyMap<string, string>): RunSample[] {
  const startedAt = new Date().toISOString();
  const culprit = unit.runs.find((run) => broken.has(run.config))!;
  return unit.runs.map((run, offset) => ({
    index: firstIndex + offset, unit: unit.index, round: unit.round, pair: unit.pair, config: run.config, side: run.side, slot: run.slot,
    offeredRps: unit.rateRps, startedAt, status: 'skipped' as const,
    reason: run.config === culprit.config
      ? `skipped: this config failed in an earlier run (${broken.get(run.config)})`
      : `skipped: its partner ${culprit.config} failed in an earlier run`,
  }));
}

function recordSession(loaded: LoadedScenario, design: DesignRecord, rounds: number | 'auto', network?: NetworkRecord) {
  const { scenario } = loaded;
  const machine = machineFacts();
  const pinning = pinCpus(scenario.pinCpus);
  const { env: baseEnv, removed } = sanitizeEnv(process.env);
  const result: ResultDocument = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: { name: 'apm-bench', version: toolVersion() },
    status: 'running',
    startedAt: new Date().toISOString(),
    scenario: {
      name: loaded.name,
      file: loaded.file,
      sha256: loaded.hash,
      baseline: scenario.baseline,
      workload: { ...scenario.workload, rounds },
      ...(loaded.overrides ? { overrides: loaded.overrides } : {}),
      budgets: loaded.budgets,
      ...(loaded.moneyBudgets.length ? { moneyBudgets: loaded.moneyBudgets } : {}),
      ...(scenario.logs.shipped ? { logs: scenario.logs } : {}),
      target: {
        kind: loaded.target.kind, path: loaded.target.script ?? loaded.target.command?.join(' ') ?? '', moduleSystem: loaded.target.moduleSystem, uses: loaded.target.uses,
      },
    },
    design,
    loadModel: LOAD_MODEL[design.kind],
    configs: loaded.configs.map((config) => ({
      name: config.name,
      kind: config.kind,
      preloads: config.preloads,
      ...(config.loading ? { loading: config.loading } : {}),
      ...(config.instruments ? { instruments: config.instruments } : {}),
      options: config.options,
      ...(config.sampleRate !== undefined ? { sampleRate: config.sampleRate } : {}),
      envKeys: Object.keys(config.env).sort(),
      ...(config.agent
        ? { agent: { package: config.agent.package, version: config.agent.version, from: config.agent.from, ...(config.agent.why ? { why: config.agent.why } : {}) } }
        : {}),
      ...(config.runtime ? { runtime: { spec: config.runtime.spec, label: config.runtime.label, execPath: config.runtime.execPath } } : {}),
    })),
    environment: {
      hostname: machine.hostname,
      platform: machine.platform,
      kernel: machine.kernel,
      cpuModel: machine.cpuModel,
      cpuCount: machine.cpuCount,
      totalMemoryBytes: machine.totalMemoryBytes,
      nodeVersion: machine.nodeVersion,
      loadAverageStart: machine.loadAverage,
      packages: packageVersions([loaded.target.cwd, packageRoot]),
      pinning,
      strippedEnv: removed,
      ...(network ? { network } : {}),
    },
    runs: [],
    notes: [],
  };
  if (removed.length) result.notes.push(`Removed from the target's environment so nothing leaves the machine: ${removed.join(', ')}.`);
  if (design.note) result.notes.push(`Design: ${design.note}.`);
  if (network) result.notes.push(`Network: ${network.note}.`);
  return { result, baseEnv, pinning };
}

/** Re-measurements a disturbed unit gets; the last attempt's windows are kept, with a warning, whatever the machine did. */
export const MAX_REPLACEMENTS = 2;
/**
 * Re-measurements a whole session gets, as a share of its planned units (at least MAX_REPLACEMENTS): a VM that steals
 * all along would otherwise add up to twice the session's time. quick.yaml's 15 units get 4, about 35 s.
 */
export const REPLACEMENT_SHARE = 0.25;

/**
 * Marks a unit's runs when the machine disturbed its window (steal, a generator behind schedule): excluded and replaced
 * while re-measurements remain, for the unit and for the session (`budgetLeft`), otherwise kept and warned. Returns the
 * reason when the unit should be measured again.
 */
export function judgeDisturbance(samples: RunSample[], attempt: number, budgetLeft = true): string | undefined {
  const measured = samples.filter((sample): sample is MeasuredRun => sample.status === 'measured');
  const reason = measured.map(disturbance).find((r) => r !== undefined);
  if (reason === undefined) return undefined;
  const replace = attempt < MAX_REPLACEMENTS && budgetLeft;
  for (const sample of measured) {
    if (replace) sample.exclusions.push(`${reason}${REPLACED}`);
    else if (attempt >= MAX_REPLACEMENTS) sample.warnings.push(`${reason}; kept: the pair was measured ${attempt + 1} times and every window was disturbed`);
    else sample.warnings.push(`${reason}; kept: the session's re-measurements (a quarter of its planned pairs) were spent`);
  }
  return replace ? reason : undefined;
}
