import { join } from 'node:path';
import { AA_NAME, calibrate, neighbourShifts, neighbourTwin } from '../analysis/calibrate.js';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { runSession, type SessionOptions } from '../run/session.js';
import { writeResultAtomic, type ResultDocument } from '../samples/result.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { assertOutDirectory, resultPath } from './project.js';
import { installAgentVersions } from '../run/agent-install.js';
import { hogSpec, startHog } from '../run/hog.js';
import type { PlannedUnit } from '../plan/plan.js';

/**
 * The scenario's baseline beside its own twin and beside a no-op preload: what the noise alone looks like; and beside
 * each of `agents`, the scenario's own configs, whose spread is their own. With `neighbour`, the twin and each agent
 * once more under another name, measured while the synthetic neighbour runs: their pairs interleave with the quiet ones.
 */
export function calibrationScenario(loaded: LoadedScenario, agents: readonly string[] = [], neighbour = false): LoadedScenario {
  const baseline = loaded.configs.find((config) => config.name === loaded.scenario.baseline)!;
  const twin = { ...baseline, name: AA_NAME };
  const measured = loaded.configs.filter((config) => agents.includes(config.name));
  return {
    ...loaded,
    name: `${loaded.name}-calibration`,
    budgets: [],
    moneyBudgets: [],
    configs: [
      baseline,
      twin,
      { ...baseline, name: 'noop-preload', kind: 'custom', preloads: [...baseline.preloads, join(packageRoot, 'preloads', 'noop.cjs')] },
      ...measured,
      ...(neighbour ? [twin, ...measured].map((config) => ({ ...config, name: neighbourTwin(config.name) })) : []),
    ],
  };
}

/** `--agents datadog@1,sentry@1`, or `all`: the scenario's configs to measure beside the A/A pair. */
function chosenAgents(loaded: LoadedScenario, text: string | undefined): string[] {
  if (text === undefined) return [];
  const candidates = loaded.configs.map((config) => config.name).filter((name) => name !== loaded.scenario.baseline);
  if (text.trim() === 'all') return candidates;
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !candidates.includes(name));
  if (!names.length || unknown.length) {
    throw new InputError(`--agents: ${unknown.length ? `${unknown.map((n) => `"${n}"`).join(', ')} is not a config of ${loaded.file}` : 'no config named'}; ` +
      `expected some of ${candidates.join(', ') || '(none besides the baseline)'}, or "all".`);
  }
  return names;
}

export interface CalibrateOutcome {
  result: ResultDocument;
  outPath: string;
  /** The scenario's own rounds, to say what it can detect. */
  scenarioRounds: number | 'auto';
  baseline: string;
}

/** `apm-bench calibrate`: run the A/A session and keep its noise floor in the result. */
export async function calibrateFile(
  file: string, options: { out: string; rounds: string; agents?: string; neighbour?: boolean }, hooks: Omit<SessionOptions, 'outPath' | 'rounds' | 'aroundUnit'>,
): Promise<CalibrateOutcome> {
  const rounds = Number(options.rounds);
  if (!Number.isInteger(rounds) || rounds < 3 || rounds > 500) throw new InputError(`--rounds: expected a whole number from 3 to 500, got "${options.rounds}".`);
  assertOutDirectory(options.out);
  const original = loadScenario(file, { needsCandidates: false });
  if (options.neighbour && original.scenario.workload.design !== 'co-scheduled') {
    throw new InputError(`--neighbour: ${file}: workload.design is "${original.scenario.workload.design}"; expected "co-scheduled", where each pair's two sides ` +
      'share the neighbour (a sequential baseline would be measured without it).');
  }
  const agents = chosenAgents(original, options.agents);
  const loaded = calibrationScenario(original, agents, options.neighbour);
  const underNeighbour = new Set([AA_NAME, ...agents].map(neighbourTwin));
  if (agents.length) await installAgentVersions(loaded.configs, hooks.onNote);
  const outPath = resultPath(options.out, loaded.name);
  const network = {
    isolation: 'host' as const,
    note: agents.length
      ? 'host network (calibrate does not isolate yet): only the configuration checks kept the agents on this machine'
      : 'host network: calibrate runs the baseline and apm-bench\'s own no-op preload, no agent',
  };
  // The neighbour runs through the whole of each of its pairs: the targets' start, priming, warm-up, window and latency phases.
  const spells = { units: 0, wallMs: 0, cpuMs: 0 };
  const aroundUnit = async (unit: PlannedUnit) => {
    if (!unit.runs.some((run) => underNeighbour.has(run.config))) return undefined;
    const stop = startHog();
    return async () => {
      const spell = await stop();
      spells.units += 1;
      spells.wallMs += spell.wallMs;
      spells.cpuMs += spell.cpuMs;
    };
  };
  const result = await runSession(loaded, { ...hooks, outPath, rounds, network, ...(options.neighbour ? { aroundUnit } : {}) });
  result.calibration = calibrate(result, agents);
  if (options.neighbour) {
    const hog = hogSpec();
    const cpuPercent = spells.wallMs > 0 ? (100 * spells.cpuMs) / (spells.wallMs * hog.processes) : 0;
    result.calibration.neighbour = { hog: { ...hog, units: spells.units, cpuPercent }, configs: neighbourShifts(result, [AA_NAME, ...agents]) };
  }
  writeResultAtomic(outPath, result);
  return { result, outPath, scenarioRounds: original.scenario.workload.rounds, baseline: loaded.scenario.baseline };
}
