import { brokenRouteText } from '../analysis/behaviour.js';
import { basename, dirname, resolve } from 'node:path';
import { minimumDetectableEffect, pairsToDetect } from '../analysis/stats.js';
import { preflight } from '../run/preflight.js';
import { simulationFromEnv } from '../run/simulate.js';
import { ExitCode, InputError } from '../errors.js';
import { budgetCases, decide, moneyCases, type GateOutcome, type InconclusivePolicy } from '../gate/gate.js';
import type { ReportRow } from '../report/rows.js';
import { sessionPreview } from '../plan/design.js';
import type { SessionOptions } from '../run/session.js';
import { installAgentVersions } from '../run/agent-install.js';
import { runSessionIsolated } from './isolated.js';
import { writeResultAtomic, type ResultDocument } from '../samples/result.js';
import type { LoadedScenario } from '../scenario/load.js';
import {
  emitGateOutputs, latestCalibration, loadRunScenarios, reportInputFor, resultPath, writeReports,
  type RunLoadRequest,
  type CostFlags, type ReportFormat,
} from './project.js';

export interface RunRequest extends RunLoadRequest {
  inconclusive: InconclusivePolicy;
  /** Report files beside the JSON result (--report); both by default. */
  reportFormats?: ReportFormat[];
}

export interface ScenarioOutcome {
  loaded: LoadedScenario;
  result: ResultDocument;
  outPath: string;
  rows: ReportRow[];
  reports?: { html?: string; markdown?: string };
  reportError?: string;
  /** A paragraph per failed run: what broke, and the target's last output. */
  failures: string[];
  noValidRuns: boolean;
  gate?: GateOutcome;
  /** GitHub annotations to print, when in Actions. */
  annotations?: string;
}

export interface RunHooks extends Omit<SessionOptions, 'outPath' | 'rounds'> {
  /** Before a scenario runs: what will run, and warnings about its budgets. */
  onScenarioStart?: (loaded: LoadedScenario, preview: string, warnings: string[]) => void;
  /** After a scenario ran, with everything to print about it. */
  onScenarioEnd?: (outcome: ScenarioOutcome) => void;
}

/**
 * V8's sampler misses about one interval of work after every wake from idle
 * (measured here: at 100 µs, the first 75 µs of a burst read 0.1% against 1.5%
 * true; at 50 µs, 1.47%). A server wakes per request, so it must sample finely.
 */
export const PROFILE_INTERVAL_US = 50;

/**
 * `apm-bench run`, for each scenario:
 *   1. load and check every scenario and budget first (a typo in the third file wastes nothing)
 *   2. warn about budgets below the noise floor, with a plan
 *   3. run the session, the result file rewritten after every unit
 *   4. write the HTML and Markdown reports beside it
 *   5. with --gate, judge the budgets and write the CI outputs
 * Returns the exit code: a broken run (4) outranks any verdict; otherwise the gate decides.
 */
export async function runScenarios(request: RunRequest, hooks: RunHooks): Promise<{ outcomes: ScenarioOutcome[]; exitCode: number }> {
  const rounds = parseRounds(request.rounds);
  const scenarios = loadRunScenarios(request);
  const outcomes: ScenarioOutcome[] = [];
  let exitCode: number = ExitCode.ok;
  let gateExit: number | undefined;
  for (const loaded of scenarios) {
    if (hooks.signal.aborted) break;
    const effectiveRounds = rounds ?? loaded.scenario.workload.rounds;
    hooks.onScenarioStart?.(loaded, sessionPreview(loaded, effectiveRounds), budgetWarnings(loaded, request.out, effectiveRounds));
    const asked = loaded.scenario.profile;
    const profile = request.profile ?? (asked ? { intervalUs: asked === true ? PROFILE_INTERVAL_US : asked.intervalUs } : undefined);
    await installAgentVersions(loaded.configs, hooks.onNote);
    // A scenario that would fail every run (a rate limit, a route that needs a login, a dead start command) is refused
    // before its first minute of load. A simulated session starts no process, so there is nothing to check.
    if (request.preflight !== false && !simulationFromEnv()) {
      hooks.onNote?.(`Preflight: starting ${loaded.name}'s baseline once and sending every route a few times.`);
      await refuseUnlessReady(loaded);
    }
    // Named once nothing can refuse the scenario: the name is claimed by creating the file.
    const outPath = request.output ? resolve(request.output) : resultPath(request.out, loaded.name);
    const result = await runSessionIsolated(request, loaded, {
      ...hooks, outPath, rounds: effectiveRounds,
      ...(profile ? { profile: { ...profile, dir: outPath.replace(/\.json$/, '-profiles') } } : {}),
    });
    const outcome = await finishScenario(loaded, result, outPath, request, hooks.signal);
    outcomes.push(outcome);
    hooks.onScenarioEnd?.(outcome);
    if (outcome.failures.length || outcome.noValidRuns) exitCode = ExitCode.runBroke;
    if (outcome.gate) gateExit = Math.max(gateExit ?? 0, outcome.gate.exitCode);
  }
  if (hooks.signal.aborted) return { outcomes, exitCode: ExitCode.interrupted };
  return { outcomes, exitCode: exitCode === ExitCode.runBroke ? exitCode : (gateExit ?? exitCode) };
}

/** The preflight's problems as one input error (exit 2), naming the scenario file. */
export async function refuseUnlessReady(loaded: LoadedScenario): Promise<void> {
  const checked = await preflight(loaded);
  if (!checked.ok) {
    throw new InputError(`${loaded.file}: preflight: the baseline would fail every run of this session:\n${checked.problems.map((p) => `  ${p}`).join('\n')}\n` +
      'Fix the scenario (or the app), or skip this check with --no-preflight.');
  }
}

function parseRounds(text: string | undefined): number | 'auto' | undefined {
  if (text === undefined) return undefined;
  if (text === 'auto') return 'auto';
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 500) throw new InputError(`--rounds: expected a whole number from 1 to 500, or "auto", got "${text}".`);
  return rounds;
}

/** A budget tighter than what the scenario's rounds can detect will likely stay inconclusive: say so, with a plan. */
function budgetWarnings(loaded: LoadedScenario, outDir: string, rounds: number | 'auto'): string[] {
  const relative = loaded.budgets.filter((b) => b.kind === 'relative');
  if (!relative.length) return [];
  const calibration = latestCalibration(outDir, loaded.name);
  if (!calibration) return [`Tip: "apm-bench calibrate ${loaded.file}" measures the noise floor, so budgets can be checked against what ${rounds} rounds can detect.`];
  const n = rounds === 'auto' ? loaded.scenario.workload.autoRounds.max : rounds;
  return relative.flatMap((budget) => {
    const entry = calibration.metrics[budget.metric];
    if (!entry) return [];
    const mde = minimumDetectableEffect(entry.logRatioSD, n);
    if (budget.limit >= mde) return [];
    const needed = pairsToDetect(entry.logRatioSD, budget.limit);
    return [`Warning: budget ${budget.config} ${budget.text} is below what ${n} rounds detect on this machine (≥ ${(mde * 100).toFixed(1)}%); ` +
      `unless the overhead is far from it, expect "inconclusive"${needed ? ` (≈ ${needed} rounds would tell it from no overhead)` : ''}.`];
  });
}

/** Reports, failures and the gate of one finished session. */
async function finishScenario(loaded: LoadedScenario, result: ResultDocument, outPath: string, request: RunRequest, signal: AbortSignal): Promise<ScenarioOutcome> {
  const input = reportInputFor(result, request.costFlags);
  const outcome: ScenarioOutcome = {
    loaded, result, outPath, rows: input.rows,
    failures: describeFailures(result),
    noValidRuns: input.rows.every((row) => row.validRuns === 0) && result.status !== 'interrupted',
  };
  try {
    // The projection (with its pair-level ranges) is made once, for the reports and the gate alike.
    outcome.reports = await writeReports(result, dirname(outPath), basename(outPath).replace(/\.json$/, ''), request.costFlags, input, request.reportFormats);
  } catch (error) {
    outcome.reportError = (error as Error).message;
  }
  if (request.gate && result.analysis && !signal.aborted) {
    const cases = [
      ...budgetCases(result, result.analysis, latestCalibration(request.out, loaded.name)),
      ...moneyCases(loaded.moneyBudgets, input.costs, input.traffic, loaded.configs.map((c) => c.name).filter((name) => name !== loaded.scenario.baseline)),
    ];
    const gate = decide(cases, request.inconclusive, outcome.failures.length > 0);
    result.gate = { verdict: gate.verdict, exitCode: gate.exitCode, inconclusivePolicy: request.inconclusive, cases: gate.cases };
    writeResultAtomic(outPath, result);
    outcome.gate = gate;
    // A reviewer reads the step summary only: behaviour changes and broken routes go there too, budget or not.
    const findings = [
      ...(result.analysis.brokenRoutes ?? []).map(brokenRouteText),
      ...(result.analysis.behaviour ?? []).map((b) => `behaviour change: ${b.finding}`),
    ];
    outcome.annotations = emitGateOutputs(loaded.name, gate, request, findings);
  }
  return outcome;
}

function describeFailures(result: ResultDocument): string[] {
  return result.runs.flatMap((run) => {
    if (run.status !== 'failed') return [];
    const tail = run.failure.outputTail
      ? `\n  Last output of the target:\n${run.failure.outputTail.split('\n').map((l) => `    ${l}`).join('\n')}`
      : '\n  The target printed nothing.';
    return [`Run ${run.index + 1} (${run.config}, round ${run.round + 1}) failed: ${run.failure.reason}. Its later runs were skipped; the other configs' results are kept.${tail}`];
  });
}

/** What `run --json` prints for one scenario: where everything went, the analysis, and one row per config. */
export function scenarioDocument(outcome: ScenarioOutcome): Record<string, unknown> {
  const { result } = outcome;
  return {
    scenario: outcome.loaded.name,
    status: result.status,
    resultFile: outcome.outPath,
    reports: outcome.reports ?? null,
    ...(outcome.reportError ? { reportError: outcome.reportError } : {}),
    design: result.design,
    overrides: result.scenario.overrides ?? {},
    failures: outcome.failures,
    analysis: result.analysis ?? null,
    rows: outcome.rows.map(({ cells, ...row }) => ({ ...row, metrics: cells })),
    gate: result.gate ?? null,
  };
}
