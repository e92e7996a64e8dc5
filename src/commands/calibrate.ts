import { join } from 'node:path';
import { AA_NAME, calibrate } from '../analysis/calibrate.js';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { runSession, type SessionOptions } from '../run/session.js';
import { writeResultAtomic, type ResultDocument } from '../samples/result.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { assertOutDirectory, resultPath } from './project.js';
import { installAgentVersions } from '../run/agent-install.js';

/**
 * The scenario's baseline beside its own twin and beside a no-op preload: what the noise alone looks like; and beside
 * each of `agents`, the scenario's own configs, whose spread is their own.
 */
export function calibrationScenario(loaded: LoadedScenario, agents: readonly string[] = []): LoadedScenario {
  const baseline = loaded.configs.find((config) => config.name === loaded.scenario.baseline)!;
  return {
    ...loaded,
    name: `${loaded.name}-calibration`,
    budgets: [],
    moneyBudgets: [],
    configs: [
      baseline,
      { ...baseline, name: AA_NAME },
      { ...baseline, name: 'noop-preload', kind: 'custom', preloads: [...baseline.preloads, join(packageRoot, 'preloads', 'noop.cjs')] },
      ...loaded.configs.filter((config) => agents.includes(config.name)),
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
  file: string, options: { out: string; rounds: string; agents?: string }, hooks: Omit<SessionOptions, 'outPath' | 'rounds'>,
): Promise<CalibrateOutcome> {
  const rounds = Number(options.rounds);
  if (!Number.isInteger(rounds) || rounds < 3 || rounds > 500) throw new InputError(`--rounds: expected a whole number from 3 to 500, got "${options.rounds}".`);
  assertOutDirectory(options.out);
  const original = loadScenario(file, { needsCandidates: false });
  const agents = chosenAgents(original, options.agents);
  const loaded = calibrationScenario(original, agents);
  if (agents.length) await installAgentVersions(loaded.configs, hooks.onNote);
  const outPath = resultPath(options.out, loaded.name);
  const network = {
    isolation: 'host' as const,
    note: agents.length
      ? 'host network (calibrate does not isolate yet): only the configuration checks kept the agents on this machine'
      : 'host network: calibrate runs the baseline and apm-bench\'s own no-op preload, no agent',
  };
  const result = await runSession(loaded, { ...hooks, outPath, rounds, network });
  result.calibration = calibrate(result, agents);
  writeResultAtomic(outPath, result);
  return { result, outPath, scenarioRounds: original.scenario.workload.rounds, baseline: loaded.scenario.baseline };
}
