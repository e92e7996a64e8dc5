import { join } from 'node:path';
import { AA_NAME, calibrate } from '../analysis/calibrate.js';
import { InputError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { runSession, type SessionOptions } from '../run/session.js';
import { writeResultAtomic, type ResultDocument } from '../samples/result.js';
import { loadScenario, type LoadedScenario } from '../scenario/load.js';
import { assertOutDirectory, resultPath } from './project.js';

/** The scenario's baseline beside its own twin and beside a no-op preload: what the noise alone looks like. */
export function calibrationScenario(loaded: LoadedScenario): LoadedScenario {
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
    ],
  };
}

export interface CalibrateOutcome {
  result: ResultDocument;
  outPath: string;
  /** The scenario's own rounds, to say what it can detect. */
  scenarioRounds: number | 'auto';
  baseline: string;
}

/** `apm-bench calibrate`: run the A/A session and keep its noise floor in the result. */
export async function calibrateFile(file: string, options: { out: string; rounds: string }, hooks: Omit<SessionOptions, 'outPath' | 'rounds'>): Promise<CalibrateOutcome> {
  const rounds = Number(options.rounds);
  if (!Number.isInteger(rounds) || rounds < 3 || rounds > 500) throw new InputError(`--rounds: expected a whole number from 3 to 500, got "${options.rounds}".`);
  assertOutDirectory(options.out);
  const original = loadScenario(file, { needsCandidates: false });
  const loaded = calibrationScenario(original);
  const outPath = resultPath(options.out, loaded.name);
  // Only the baseline and apm-bench's own no-op preload run: no agent, so nothing to isolate.
  const network = { isolation: 'host' as const, note: 'host network: calibrate runs the baseline and apm-bench\'s own no-op preload, no agent' };
  const result = await runSession(loaded, { ...hooks, outPath, rounds, network });
  result.calibration = calibrate(result);
  writeResultAtomic(outPath, result);
  return { result, outPath, scenarioRounds: original.scenario.workload.rounds, baseline: loaded.scenario.baseline };
}
