import { dirname } from 'node:path';
import { ExitCode, InputError } from '../errors.js';
import { adapters } from '../instrument/registry.js';
import { compareVersions } from '../instrument/versions.js';
import { installAgentVersions, publishedVersions } from '../run/agent-install.js';
import { runSession, type SessionOptions } from '../run/session.js';
import type { Budget, BudgetVerdict } from '../samples/analysis.js';
import { describeMetric } from '../samples/metrics.js';
import { formatChange } from '../samples/units.js';
import type { BisectOutcome, BisectStep } from '../report/bisect.js';
import { expandInstrumentations, loadScenario, parseBudgets, type LoadedScenario } from '../scenario/load.js';
import { assertOutDirectory, resultPath } from './project.js';

export type { BisectOutcome, BisectStep };

export interface BisectRequest {
  file: string;
  /** The agent to bisect: its package (dd-trace), its adapter kind (datadog) or its entry's name. */
  agent: string;
  good: string;
  bad: string;
  /** "cpu:+10%": the budget the bad version breaks. */
  budget: string;
  /** The versions to search, instead of the package's published ones (required for a custom preload). */
  versions?: string[];
  out: string;
  rounds?: number;
}

export type BisectHooks = Omit<SessionOptions, 'outPath' | 'rounds'> & {
  /** Before each step: which version, and what is left. */
  onStep?: (version: string, remaining: string[]) => void;
  onStepEnd?: (step: BisectStep) => void;
};

/**
 * `apm-bench bisect`:
 *   1. load the scenario and find the agent's entry (one config, so one sample rate)
 *   2. list the versions from good to bad (published on the registry, or --versions)
 *   3. binary search: measure the middle version beside the baseline, judge the budget, keep the half that holds the
 *      change; an inconclusive verdict stops the search with the range still open
 *   4. measure the bad end too when the search never did, so the first bad version is named with its CI
 * Each step is an ordinary session with its own result file. The good end is trusted, as in git bisect.
 */
export async function bisect(request: BisectRequest, hooks: BisectHooks): Promise<BisectOutcome> {
  assertOutDirectory(request.out);
  const loaded = loadScenario(request.file, { needsCandidates: false });
  const entry = findEntry(loaded, request.agent);
  const budgetOf = budgetParser(request.budget);
  const versions = await searchRange(request, entry.package);
  const steps = new Map<string, BisectStep>();
  const measure = async (version: string, remaining: string[]) => {
    hooks.onStep?.(version, remaining);
    const step = await measureVersion(loaded, entry.index, version, budgetOf, request, hooks);
    steps.set(version, step);
    hooks.onStepEnd?.(step);
    return step;
  };
  const outcome = (fields: Partial<BisectOutcome>): BisectOutcome => ({
    agent: request.agent, budget: request.budget, versions, steps: [...steps.values()], exitCode: ExitCode.ok, ...fields,
  });

  let good = 0;
  let bad = versions.length - 1;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    const step = await measure(versions[middle]!, versions.slice(good + 1, bad));
    if (hooks.signal.aborted) return outcome({ stopped: 'interrupted', exitCode: ExitCode.interrupted });
    if (step.verdict === 'inconclusive') {
      return outcome({ stopped: `${step.version} was inconclusive (${step.note ?? 'the CI straddles the budget'}): the change is after ${versions[good]} and ` +
        `at or before ${versions[bad]}; add rounds (--rounds) and bisect that range`, exitCode: ExitCode.inconclusive });
    }
    if (step.verdict === 'fail') bad = middle;
    else good = middle;
  }
  if (!steps.has(versions[bad]!)) {
    const step = await measure(versions[bad]!, []);
    if (hooks.signal.aborted) return outcome({ stopped: 'interrupted', exitCode: ExitCode.interrupted });
    if (step.verdict !== 'fail') {
      return outcome({
        stopped: step.verdict === 'pass'
          ? `the bad end ${step.version} is within the budget: there is no change to find between these versions at this budget`
          : `the bad end ${step.version} is not clearly over the budget (inconclusive): add rounds (--rounds), or check the budget`,
        exitCode: step.verdict === 'pass' ? ExitCode.ok : ExitCode.inconclusive,
      });
    }
  }
  return outcome({ firstBad: versions[bad], lastGood: versions[good] });
}

interface AgentEntry {
  index: number;
  /** The package a version pins, for the registry's list; none for a custom preload. */
  package?: string;
}

function findEntry(loaded: LoadedScenario, agent: string): AgentEntry {
  const found = loaded.scenario.instrumentations.flatMap((entry, index) => {
    const adapter = adapters.find((a) => a.matches(entry));
    const options = (adapter ? (entry as Record<string, unknown>)[adapter.kind] : entry) as { name?: string } | undefined;
    const names = [options?.name, adapter?.versioned, adapter?.kind].filter(Boolean);
    if (!names.includes(agent) || options?.name === loaded.scenario.baseline) return [];
    if (adapter && !adapter.versioned) throw new InputError(`--agent ${agent}: ${adapter.label} takes no version: only one package can be pinned per entry.`);
    return [{ index, ...(adapter?.versioned ? { package: adapter.versioned } : {}) }];
  });
  if (found.length !== 1) {
    throw new InputError(`--agent ${agent}: ${found.length ? 'matches several entries' : 'matches no entry'} of ${loaded.file}; give the package (dd-trace), ` +
      'the vendor (datadog) or the entry\'s name, for exactly one entry.');
  }
  return found[0]!;
}

/** "cpu:+10%", checked now; each step applies it to the config it measures. */
function budgetParser(text: string): (config: string) => Budget {
  const match = /^\s*([A-Za-z0-9]+)\s*[:=]\s*(.+)$/.exec(text);
  if (!match) throw new InputError(`--budget: expected metric:limit like "cpu:+10%" or "p99:+2ms", got "${text}".`);
  const [budget] = parseBudgets({ '*': { [match[1]!]: match[2]! } }, '--budget');
  if (!budget) throw new InputError(`--budget: expected a budget like "cpu:+10%", got "${text}".`);
  return (config) => ({ ...budget, config });
}

/** good … bad, inclusive, in version order: the registry's releases (pre-releases only if an end is one), or --versions. */
async function searchRange(request: BisectRequest, pkg: string | undefined): Promise<string[]> {
  if (!request.versions && !pkg) throw new InputError(`--agent ${request.agent} is a custom preload: give the versions to search with --versions a,b,c.`);
  const listed = request.versions ?? await publishedVersions(pkg!);
  for (const [flag, version] of [['--good', request.good], ['--bad', request.bad]] as const) {
    if (!listed.includes(version)) throw new InputError(`${flag} ${version}: not among the versions of ${pkg ?? request.agent} (${listed.length} listed).`);
  }
  if (compareVersions(request.good, request.bad) >= 0) throw new InputError(`--good ${request.good} must be an earlier version than --bad ${request.bad}.`);
  const withPre = /-/.test(request.good) || /-/.test(request.bad);
  return [...new Set(listed)]
    .filter((v) => compareVersions(v, request.good) >= 0 && compareVersions(v, request.bad) <= 0 && (withPre || !v.includes('-')))
    .sort(compareVersions);
}

/** One step: the baseline and the agent at `version`, a session of the scenario's rounds, and the budget's verdict. */
async function measureVersion(
  loaded: LoadedScenario,
  entryIndex: number,
  version: string,
  budgetOf: (config: string) => Budget,
  request: BisectRequest,
  hooks: BisectHooks,
): Promise<BisectStep> {
  const entry = loaded.scenario.instrumentations[entryIndex]!;
  const adapter = adapters.find((a) => a.matches(entry));
  // The entry's own version list, if any, is replaced: bisect chooses the versions.
  const pinned = adapter
    ? { [adapter.kind]: { ...((entry as Record<string, unknown>)[adapter.kind] as object), version } }
    : { ...(entry as object), version };
  const scenarioDir = dirname(loaded.file);
  const configs = expandInstrumentations({ ...loaded.scenario, instrumentations: [pinned as never] }, { scenarioDir, targetDir: loaded.target.cwd }, loaded.file);
  if (configs.length !== 1) {
    throw new InputError(`${loaded.file}: instrumentations.${entryIndex} expands to ${configs.length} configs (${configs.map((c) => c.name).join(', ')}); ` +
      'bisect measures one: give one sample rate and no ladder.');
  }
  const baseline = loaded.configs.find((c) => c.name === loaded.scenario.baseline)!;
  const config = configs[0]!;
  const budget = budgetOf(config.name);
  const variant: LoadedScenario = { ...loaded, name: `${loaded.name}-bisect`, configs: [baseline, config], budgets: [budget], moneyBudgets: [] };
  await installAgentVersions(variant.configs, hooks.onNote);
  const outPath = resultPath(request.out, `${loaded.name}-bisect-${version}`);
  const network = { isolation: 'host' as const, note: 'host network (bisect does not isolate yet): only the configuration checks kept agents on this machine' };
  const result = await runSession(variant, { ...hooks, outPath, network, ...(request.rounds ? { rounds: request.rounds } : {}) });
  const verdict: BudgetVerdict | undefined = result.analysis?.budgets.find((b) => b.config === config.name);
  const format = budget.kind === 'relative' ? formatChange : describeMetric(budget.metric).formatDelta;
  return {
    ...(verdict?.value !== undefined && verdict.ci ? { shown: `${format(verdict.value)} [${format(verdict.ci.low)}, ${format(verdict.ci.high)}]` } : {}),
    version,
    config: config.name,
    verdict: verdict?.verdict ?? 'inconclusive',
    ...(verdict?.value !== undefined ? { value: verdict.value } : {}),
    ...(verdict?.ci ? { ci: verdict.ci } : {}),
    ...(verdict?.note ? { note: verdict.note } : verdict ? {} : { note: 'no valid runs' }),
    resultPath: outPath,
  };
}
