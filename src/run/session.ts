import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planBlocks, type PlannedRun } from '../plan/plan.js';
import { analyse, undecided } from '../analysis/analyse.js';
import type { LoadedScenario } from '../scenario/load.js';
import { packageRoot } from '../paths.js';
import { RESULT_SCHEMA_VERSION, writeResultAtomic, type ResultDocument, type RunSample } from '../samples/result.js';
import { startDownstreamStub } from './downstream.js';
import { sanitizeEnv } from './env.js';
import { machineFacts, packageVersions, pinCpus } from './environment.js';
import { ProbeServer } from './probe-server.js';
import { measureRun, type Phase } from './runner.js';

export const LOAD_MODEL =
  'autocannon at a fixed overallRate: closed-loop per connection (each connection sends back-to-back until its share of the second is used), ' +
  'so load arrives in bursts each second. Latency is recorded per response into a µs HDR histogram; coordinated-omission correction is off.';

export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface SessionOptions {
  outPath: string;
  signal: AbortSignal;
  /** Overrides the scenario's rounds. */
  rounds?: number | 'auto';
  /** Progress notes, e.g. why an adaptive run keeps going. */
  onNote?: (text: string) => void;
  onRunStart?: (run: PlannedRun, total: number) => void;
  onPhase?: (run: PlannedRun, phase: Phase, phaseMs: number) => void;
  onRunEnd?: (sample: RunSample, total: number) => void;
}

/**
 * Run the whole plan. The result file is rewritten after every run, so what was
 * measured survives a crash, a failed config or Ctrl-C.
 */
export async function runSession(loaded: LoadedScenario, options: SessionOptions): Promise<ResultDocument> {
  const { scenario } = loaded;
  const machine = machineFacts();
  const pinning = pinCpus(scenario.pinCpus);
  const { env: baseEnv, removed } = sanitizeEnv(process.env);
  const names = loaded.configs.map((config) => config.name);
  const rounds = options.rounds ?? scenario.workload.rounds;
  const auto = scenario.workload.autoRounds;
  const minBlocks = rounds === 'auto' ? auto.min : rounds;
  const maxBlocks = rounds === 'auto' ? Math.max(auto.min, auto.max) : rounds;

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
      budgets: loaded.budgets,
      target: { kind: loaded.target.kind, path: loaded.target.script ?? loaded.target.command?.join(' ') ?? '' },
    },
    loadModel: LOAD_MODEL,
    configs: loaded.configs.map((config) => ({
      name: config.name,
      kind: config.kind,
      preloads: config.preloads,
      options: config.options,
      envKeys: Object.keys(config.env).sort(),
      ...(config.agent ? { agent: config.agent } : {}),
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
    },
    runs: [],
    notes: [],
  };
  if (removed.length) result.notes.push(`Removed from the target's environment so nothing leaves the machine: ${removed.join(', ')}.`);
  writeResultAtomic(options.outPath, result);

  const probes = new ProbeServer();
  await probes.listen();
  const downstream = await startDownstreamStub();
  const brokenConfigs = new Map<string, string>();
  const total = () => (rounds === 'auto' ? maxBlocks : minBlocks) * names.length;
  try {
    for (let block = 0; block < maxBlocks && !options.signal.aborted; block += 1) {
      if (block >= minBlocks) {
        const open = undecided(result, loaded.budgets, auto.precision);
        if (open.length === 0) {
          options.onNote?.(`All verdicts decided after ${block} rounds.`);
          break;
        }
        options.onNote?.(`Round ${block + 1}: still undecided — ${open.slice(0, 3).join('; ')}${open.length > 3 ? `; +${open.length - 3} more` : ''}`);
      }
      await runBlock(planBlocks(names, 1, block).map((run) => ({ ...run, index: result.runs.length + run.position })));
    }
  } finally {
    await downstream.close();
    await probes.close();
  }

  async function runBlock(plan: PlannedRun[]): Promise<void> {
    for (const run of plan) {
      if (options.signal.aborted) break;
      const config = loaded.configs.find((candidate) => candidate.name === run.config)!;
      options.onRunStart?.(run, total());
      let sample: RunSample;
      const broken = brokenConfigs.get(run.config);
      if (broken) {
        // A config that crashed once will crash again; spend the time on the others.
        sample = {
          index: run.index, block: run.block, position: run.position, config: run.config,
          status: 'skipped', invalidReasons: [`skipped: this config failed in an earlier run (${broken})`],
          startedAt: new Date().toISOString(), offeredRps: scenario.workload.rate,
        };
      } else {
        sample = await measureRun(run, config, {
          scenario: loaded,
          probes,
          baseEnv,
          downstreamUrl: downstream.url,
          targetCpus: pinning.targetCpus,
          signal: options.signal,
          onPhase: options.onPhase,
        });
        if (sample.status === 'failed') brokenConfigs.set(run.config, sample.failure?.reason ?? 'failed');
      }
      result.runs.push(sample);
      writeResultAtomic(options.outPath, result);
      options.onRunEnd?.(sample, total());
    }
  }
  result.analysis = analyse(result, loaded.budgets);
  result.status = options.signal.aborted ? 'interrupted' : result.runs.some((run) => run.status === 'failed') ? 'failed' : 'complete';
  result.finishedAt = new Date().toISOString();
  result.environment.loadAverageEnd = machineFacts().loadAverage;
  writeResultAtomic(options.outPath, result);
  return result;
}
