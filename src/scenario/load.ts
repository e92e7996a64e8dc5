import { createHash } from 'node:crypto';
import { parseEnv } from 'node:util';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { InputError, prototypeKeyPath, readRegularFile } from '../errors.js';
import { bundledFixture } from '../paths.js';
import { expandCustomVersions } from '../instrument/custom.js';
import { expandRuntimes, expandVersions, resolveRuntime } from '../instrument/versions.js';
import { adapters } from '../instrument/registry.js';
import { assertNoEgress, commonRoutes, type EgressRoute } from '../instrument/egress.js';
import { sanitizeEnv } from '../instrument/env.js';
import { notAModule } from '../instrument/custom.js';
import { isPrototypeName } from '../samples/result-schema.js';
import { checkNodeOptions } from '../instrument/node-options.js';
import type { ExpandContext, InstrumentationConfig, ModuleSystem } from '../instrument/types.js';
import { chosenModuleSystem as chosen, commandScript, declaredLibraries, detectModuleSystem } from './module-system.js';
import { budgetsShape, connectionsSchema, measuredDuration, rateRps, scenarioSchema, soakSchema, type Scenario } from './schema.js';
import { configMatches, parseBudgetValue, parseErrorBudget, parseVolumeBudget } from '../analysis/budgets.js';
import type { Budget, MoneyBudget } from '../samples/analysis.js';
import {
  behaviourMetrics, growthMetrics, metricAliases, metricByAlias, volumeMetrics, type BehaviourMetric, type GrowthMetric, type VolumeMetric,
} from '../samples/metrics.js';
import { parseGrowthBudget } from '../analysis/soak.js';

export interface ResolvedTarget {
  kind: 'fixture' | 'module' | 'command';
  /** For fixture/module: the script. For command: the argv to exec. */
  script?: string;
  command?: string[];
  cwd: string;
  fixedPort?: number;
  readyPath: string;
  readyTimeoutMs: number;
  env: Record<string, string>;
  /** How the app's code loads, and so how agents are loaded into it. */
  moduleSystem: ModuleSystem;
  /** Traceable libraries the app declares (fastify, pg, mysql2…): an agent that instruments one should send its spans. */
  uses: string[];
  /** Loopback ports of this machine to carry into the session's network namespace, besides those found in env. */
  bridgePorts: number[];
  /** Process names moved off the target CPU for the session (run/neighbours.ts). */
  neighbours: string[];
  /** target.envFile, read: applied under target.env, vendor keys removed at launch as from the shell. */
  envFile?: { path: string; vars: Record<string, string> };
}

export interface LoadedScenario {
  file: string;
  name: string;
  /** sha256 of the file's bytes, so results can be traced to the exact scenario. */
  hash: string;
  scenario: Scenario;
  target: ResolvedTarget;
  configs: InstrumentationConfig[];
  budgets: Budget[];
  /** Budgets on the projected monthly bill (`cost: "$2000/month"`), judged with the cost model. */
  moneyBudgets: MoneyBudget[];
  /** Flags that replaced scenario values (`run --rate 500`), as given; recorded in the result. */
  overrides?: Record<string, string>;
}

export interface WorkloadOverrides {
  rate?: string;
  duration?: string;
  connections?: string;
  /** `--soak 10m`: soak windows of this length (the scenario's sample and warm-up, or their defaults). */
  soak?: string;
  /** `--no-pin`: leave target and load generator to the scheduler (pinCpus: false). */
  pin?: boolean;
}

/**
 * `run --rate 500 --duration 10s --connections 32` on top of the scenario,
 * checked with the scenario's own bounds. `--rate 100,400` gives a rate list.
 */
export function applyOverrides(loaded: LoadedScenario, flags: WorkloadOverrides): void {
  const workload = { ...loaded.scenario.workload };
  const given: Record<string, string> = {};
  const check = <T>(flag: string, schema: z.ZodType<T>, value: unknown, given: unknown = value): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InputError(`--${flag}: ${parsed.error.issues[0]!.message.replace(/^(Invalid input|Too (big|small)): /, '')}, got "${String(given)}".`);
    return parsed.data;
  };
  if (flags.rate !== undefined) {
    const rates = flags.rate.split(',').map((part) => check('rate', rateRps, Number(part.trim())));
    if (rates.length === 1) Object.assign(workload, { rate: rates[0], rates: undefined });
    else Object.assign(workload, { rate: undefined, rates });
    given.rate = flags.rate;
  }
  if (flags.duration !== undefined) {
    workload.duration = check('duration', measuredDuration, /^\d+(\.\d+)?$/.test(flags.duration) ? Number(flags.duration) : flags.duration);
    given.duration = flags.duration;
  }
  if (flags.connections !== undefined) {
    workload.connections = check('connections', connectionsSchema, Number(flags.connections));
    given.connections = flags.connections;
  }
  if (flags.soak !== undefined) {
    const durationText = /^\d+(\.\d+)?$/.test(flags.soak) ? Number(flags.soak) : flags.soak;
    // The scenario's own sample interval and warm-up stay; the flag sets the length.
    const kept = { sample: workload.soak ? `${workload.soak.sample}ms` : undefined, warmup: `${(workload.soak?.warmup ?? 0.2) * 100}%` };
    const soak = check('soak', soakSchema, { ...kept, duration: durationText }, flags.soak);
    workload.soak = soak;
    given.soak = flags.soak;
  }
  const pinCpus = flags.pin === false ? false : loaded.scenario.pinCpus;
  if (flags.pin === false) given.pin = 'false';
  loaded.scenario = { ...loaded.scenario, workload, pinCpus };
  if (Object.keys(given).length) loaded.overrides = { ...loaded.overrides, ...given };
}

/** `needsCandidates: false` for calibrate, which brings its own candidates. */
export function loadScenario(file: string, { needsCandidates = true } = {}): LoadedScenario {
  // "-" reads the scenario from stdin; relative paths in it resolve against the current directory.
  const path = file === '-' ? resolve('stdin.yaml') : resolve(file);
  const text = file === '-' ? readStdin() : readScenarioFile(path, file);
  const scenario = parseScenarioText(text, file);
  const scenarioDir = dirname(path);
  const target = resolveTarget(scenario, scenarioDir, file);
  const configs = expandInstrumentations(scenario, { scenarioDir, targetDir: target.cwd, moduleSystem: target.moduleSystem.kind }, file);
  if (!configs.some((config) => config.name === scenario.baseline)) {
    throw new InputError(
      `${file}: baseline: no instrumentation is named "${scenario.baseline}". ` +
      `Add "- name: ${scenario.baseline}" to instrumentations, or set baseline to one of: ${configs.map((c) => c.name).join(', ')}.`,
    );
  }
  if (scenario.node) configs.splice(0, configs.length, ...runtimeMatrix(scenario, configs, file));
  if (scenario.workload.design === 'co-scheduled' && target.fixedPort !== undefined) {
    throw new InputError(
      `${file}: target.port: the co-scheduled design runs two targets at once, so they cannot share a fixed port. ` +
      'Let apm-bench choose ports (the app listens on process.env.PORT), or set workload.design: sequential.',
    );
  }
  const needsLogin = scenario.workload.routes.findIndex((route) => route.auth);
  if (needsLogin >= 0 && !scenario.workload.login) {
    throw new InputError(`${file}: workload.routes.${needsLogin}.auth: the route needs a credential, and workload has no login step. Add e.g.\n` +
      '  login: { path: /login, body: { username: bench, password: secret }, token: token }\nor send a fixed token in the route\'s headers instead.');
  }
  if (needsCandidates && configs.length < 2) {
    throw new InputError(`${file}: instrumentations: only the baseline "${scenario.baseline}" is listed, so there is nothing to compare it with. ` +
      'Add a config, e.g. "- datadog: { sampleRate: 0.1 }" or "- name: mine, preload: ./tracer.cjs".');
  }
  const budgets = parseBudgets(scenario.budgets, file);
  const moneyBudgets = parseMoneyBudgets(scenario.budgets, file);
  assertBudgetsMatch([...budgets, ...moneyBudgets], [configs.map((c) => c.name).filter((name) => name !== scenario.baseline)], `${file}: budgets`);
  return {
    file: path,
    budgets,
    moneyBudgets,
    name: scenario.name ?? basename(path, extname(path)),
    hash: createHash('sha256').update(text).digest('hex'),
    scenario,
    target,
    configs,
  };
}

function readScenarioFile(path: string, file: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InputError(`${file}: a directory, not a scenario file; give the YAML file itself (e.g. ${join(file, '*.yaml')}).`);
  }
  return readRegularFile(path, file, 'scenario file', 1024 * 1024);
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    throw new InputError(`-: cannot read a scenario from stdin: ${(error as Error).message}`);
  }
}

/** Parse and validate YAML text; every problem names the file, line, field and what was expected. */
export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    const where = `${file}:${pos.line}:${pos.col}`;
    throw new InputError(`${where}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    // The yaml default limit on aliases stops an alias bomb ("billion laughs") from exhausting memory.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(`${file}: not a usable YAML document: ${(error as Error).message.split('\n')[0]} (too many or recursive aliases).`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${file}: expected a YAML mapping with "workload" and "instrumentations" at the top level.`);
  }
  const protoKey = prototypeKeyPath(data);
  if (protoKey) throw new InputError(`${file}: ${protoKey}: a key every JavaScript object already has; it would be dropped unseen. Rename it.`);
  const shapeProblems = prechecks(data as Record<string, unknown>);
  const parsed = scenarioSchema.safeParse(data, { reportInput: true });
  if (parsed.success && !shapeProblems.length) return parsed.data;

  const issues = [...shapeProblems, ...(parsed.error?.issues ?? []).flatMap(explainUnion).filter((issue) => !shapeProblems.some((p) => within(p.path, issue.path)))];
  const lines = issues.slice(0, 8).map((issue) => {
    const fieldPath = issue.path.map(String);
    const node = doc.getIn(issue.path as (string | number)[], true);
    const range = isNode(node) ? node.range : undefined;
    const line = range ? `:${lineCounter.linePos(range[0]).line}` : '';
    const field = fieldPath.length ? fieldPath.join('.') : '(top level)';
    return `  ${file}${line}: ${field}: ${describeIssue(issue)}`;
  });
  const more = issues.length > 8 ? `\n  …and ${issues.length - 8} more.` : '';
  throw new InputError(`${file} is not a valid scenario:\n${lines.join('\n')}${more}\nSee scenario.schema.json for every field.`);
}

type Issue = z.core.$ZodIssue;
const customIssue = (path: PropertyKey[], message: string): Issue => ({ code: 'custom', path, message, input: undefined }) as Issue;

/** True when `path` is `prefix` or inside it. */
const within = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) => prefix.length <= path.length && prefix.every((key, i) => key === path[i]);

/**
 * Mistakes the schema alone would describe badly, found on the raw data: an
 * instrumentation written as a bare string or with an unknown agent key, and a
 * target with neither module nor command.
 */
function prechecks(data: Record<string, unknown>): Issue[] {
  const problems: Issue[] = [];
  const agents = adapters.map((adapter) => adapter.kind);
  if (Array.isArray(data.instrumentations)) {
    data.instrumentations.forEach((entry: unknown, index) => {
      const path = ['instrumentations', index];
      if ((typeof entry === 'string' || typeof entry === 'number') && agents.includes(String(entry))) {
        problems.push(customIssue(path, `a bare value "${entry}"; write "- ${entry}: {}" to measure that agent with its defaults`));
      } else if (typeof entry === 'string' || typeof entry === 'number') {
        problems.push(customIssue(path, `a bare value "${entry}"; write a mapping: "- name: ${entry}" for a config of your own, or "- datadog: { sampleRate: 0.1 }"`));
      } else if (entry && typeof entry === 'object' && !Array.isArray(entry) && 'name' in entry && agents.includes(String(entry.name))
        && !('preload' in entry) && !('env' in entry) && !('nodeOptions' in entry)) {
        // "- name: datadog" is a config of the user's own that loads nothing: a second baseline under an agent's name.
        problems.push(customIssue([...path, 'name'], `"name: ${String(entry.name)}" loads no agent: it is a config of your own with no preload, env or node ` +
          `options. To measure the agent write "- ${String(entry.name)}: {}" (its options go inside the braces)`));
      } else if (entry && typeof entry === 'object' && !Array.isArray(entry) && !('name' in entry)) {
        const keys = Object.keys(entry);
        if (keys.length === 1 && !agents.includes(keys[0]!)) {
          problems.push(customIssue(path, `unknown agent "${keys[0]}"; the agents are ${agents.join(', ')}, or use "- name: x, preload: ./x.cjs" for your own preload`));
        }
      }
    });
  }
  const target = data.target;
  if (target && typeof target === 'object' && !Array.isArray(target) && !('module' in target) && !('command' in target)) {
    problems.push(customIssue(['target'], 'give either module (a Node script that starts the app, e.g. "server.js") or command (e.g. "node dist/server.js")'));
  }
  return problems;
}

/**
 * A union that matched no branch. When no branch even had the right type
 * (a string where a number or a list goes), say what the forms are and what
 * was found. Otherwise show the issues of the branch that got furthest into
 * the entry, instead of "no allowed form".
 */
function explainUnion(issue: z.core.$ZodIssue): Issue[] {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !issue.errors.length) return [issue];
  const atRoot = (branch: z.core.$ZodIssue[]) => branch.length === 1 && branch[0]!.path.length === 0 && ['invalid_type', 'invalid_value'].includes(branch[0]!.code);
  if (issue.errors.every(atRoot)) {
    const forms = [...new Set(issue.errors.map((branch) => expectedForm(branch[0]!)))];
    return [customIssue(issue.path, `expected ${forms.join(' or ')}, got ${describeInput(issue.input)}${inputHint(issue.input)}`)];
  }
  const branches = issue.errors.filter((branch) => !atRoot(branch));
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
  // Among equally shallow branches, the one with the fewest complaints (unknown keys counted singly) fits best.
  const weight = (branch: z.core.$ZodIssue[]) => branch.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
  const ranked = [...branches].sort((a, b) => depth(b) - depth(a) || weight(a) - weight(b));
  const best = ranked[0]!;
  if (depth(best) === 0 && ranked.length > 1 && weight(ranked[1]!) === weight(best)) return [issue];
  return best.flatMap((inner) => explainUnion({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

function expectedForm(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  if (issue.code !== 'invalid_type') return issue.message;
  const nouns: Record<string, string> = { number: 'a number', int: 'a whole number', array: 'a list', object: 'a mapping', string: 'a string', boolean: 'true or false' };
  return nouns[issue.expected] ?? issue.expected;
}

function describeInput(input: unknown): string {
  if (typeof input === 'string') return `the string ${JSON.stringify(input)}`;
  if (Array.isArray(input)) return 'a list';
  if (input === null || input === undefined) return 'nothing';
  if (typeof input === 'object') return 'a mapping';
  return String(input);
}

function inputHint(input: unknown): string {
  if (typeof input !== 'string') return '';
  if (/^\s*-?\d+(\.\d+)?\s*%$/.test(input)) return ` (write a fraction: ${input.trim()} is ${Number(input.trim().slice(0, -1)) / 100})`;
  if (input.trim() !== '' && Number.isFinite(Number(input))) return ` (write the number without quotes: ${input.trim()})`;
  return '';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed form (check the field names and types against scenario.schema.json)';
    case 'invalid_type':
      if (issue.input === undefined) return `missing: expected ${expectedForm(issue)}`;
      return `expected ${expectedForm(issue)}, got ${describeInput(issue.input)}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function resolveTarget(scenario: Scenario, scenarioDir: string, file: string): ResolvedTarget {
  const target = scenario.target;
  if (!target) {
    return {
      kind: 'fixture',
      script: bundledFixture,
      cwd: dirname(bundledFixture),
      readyPath: '/healthz',
      readyTimeoutMs: 20_000,
      env: {},
      moduleSystem: detectModuleSystem(bundledFixture),
      uses: declaredLibraries(dirname(bundledFixture)),
      // Its /db and /cache routes use PostgreSQL and Redis on this machine.
      bridgePorts: [5432, 6379],
      neighbours: [],
    };
  }
  const cwd = resolve(scenarioDir, target.cwd ?? '.');
  if (!existsSync(cwd)) throw new InputError(`${file}: target.cwd: directory not found: ${cwd}`);
  // The app may load any agent itself: target.env must open none of any agent's routes.
  assertNoEgress(target.env, `${file}: target.env`, egressRoutes());
  const envFile = target.envFile === undefined ? undefined : readEnvFile(resolve(cwd, target.envFile), `${file}: target.envFile`);
  // Vendor keys in it are removed at launch (as from the shell); what stays reaches the app as it is.
  if (envFile) assertNoEgress(sanitizeEnv(envFile.vars).env, `${file}: target.envFile ${target.envFile}`, egressRoutes());
  const common = {
    cwd, fixedPort: target.port, readyPath: target.readyPath, readyTimeoutMs: target.readyTimeout, env: target.env, uses: declaredLibraries(cwd),
    bridgePorts: target.bridgePorts, neighbours: target.neighbours,
    ...(envFile ? { envFile } : {}),
  };
  if ('module' in target) {
    const script = resolve(cwd, target.module);
    if (!existsSync(script)) throw new InputError(`${file}: target.module: file not found: ${target.module} (resolved to ${script}).`);
    const problem = notAModule(script);
    if (problem) throw new InputError(`${file}: target.module: ${target.module} is ${problem}.`);
    return { kind: 'module', script, ...common, moduleSystem: chosen(target.moduleSystem, script) };
  }
  const command = splitCommand(target.command);
  assertRunnable(command[0]!, cwd, `${file}: target.command`);
  return { kind: 'command', command, ...common, moduleSystem: chosen(target.moduleSystem, commandScript(command, cwd) ?? join(cwd, 'package.json')) };
}

/** A dotenv file as Node's --env-file reads it (util.parseEnv). */
function readEnvFile(path: string, where: string): { path: string; vars: Record<string, string> } {
  if (!existsSync(path)) throw new InputError(`${where}: file not found: ${path} (relative paths resolve from target.cwd).`);
  return { path, vars: parseEnv(readRegularFile(path, where, 'env file', 1024 * 1024)) as Record<string, string> };
}

/** Every route off the machine any agent has, and the app's own. */
function egressRoutes(): EgressRoute[] {
  return [...commonRoutes, ...adapters.flatMap((adapter) => adapter.egress ?? [])];
}

/** Package managers start the app as a child, so the PID measured would be theirs, not the app's. */
const wrappers = new Set(['npm', 'npx', 'yarn', 'pnpm', 'bun', 'sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'busybox', 'env', 'nohup', 'setsid', 'nice',
  'ionice', 'time', 'timeout', 'stdbuf', 'xargs', 'exec', 'sudo', 'su', 'tsx', 'ts-node', 'nodemon', 'pm2', 'forever', 'concurrently']);

/** The command's program must exist and be the app itself: a run would fail or measure the wrong process otherwise. */
function assertRunnable(program: string, cwd: string, where: string): void {
  if (wrappers.has(basename(program))) {
    const instead = basename(program) === 'env' ? ' Put variables in target.env instead of "env NAME=value".' : '';
    throw new InputError(`${where}: "${program}" starts the app as a child process, so apm-bench would measure ${program} instead of the app. ` +
      `Give the command that runs node itself, e.g. "node dist/server.js" (what the start script runs).${instead}`);
  }
  const candidates = program.includes('/') ? [resolve(cwd, program)] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  const found = candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
  if (!found) {
    throw new InputError(`${where}: cannot find the program "${program}" ${program.includes('/') || isAbsolute(program) ? `(resolved to ${candidates[0]})` : 'on PATH'}, ` +
      'or it is not executable. The command runs in target.cwd.');
  }
}

export function parseBudgets(raw: Record<string, Record<string, string>>, file: string): Budget[] {
  const budgets: Budget[] = [];
  for (const [config, limits] of Object.entries(raw)) {
    for (const [alias, text] of Object.entries(limits)) {
      if (alias === 'cost') continue;
      if (alias in volumeMetrics) {
        const parsed = parseVolumeBudget(alias as VolumeMetric, text);
        if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
        budgets.push({ config, metric: alias as VolumeMetric, ...parsed, text: `${alias}/req ≤ ${text}` });
        continue;
      }
      if (alias in behaviourMetrics) {
        const parsed = parseErrorBudget(text);
        if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
        budgets.push({ config, metric: alias as BehaviourMetric, ...parsed, text: `${alias} ≤ ${text}` });
        continue;
      }
      if (alias in growthMetrics) {
        const parsed = parseGrowthBudget(alias as GrowthMetric, text);
        if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
        budgets.push({ config, metric: alias as GrowthMetric, ...parsed, text: `${alias} ≤ ${text}` });
        continue;
      }
      const metric = metricByAlias(alias);
      const known = [...metricAliases, ...Object.keys(volumeMetrics), ...Object.keys(growthMetrics).filter((g) => g !== 'cpuGrowth'),
        ...Object.keys(behaviourMetrics), 'cost'].join(', ');
      if (!metric) throw new InputError(`${file}: budgets.${config}.${alias}: unknown metric; expected one of ${known}.`);
      const parsed = parseBudgetValue(metric, text);
      if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
      budgets.push({ config, metric, ...parsed, text: `${alias} ≤ ${text}` });
    }
  }
  return budgets;
}

/** `cost: "$2000/month"` entries: a ceiling on the projected monthly bill. */
export function parseMoneyBudgets(raw: Record<string, Record<string, string>>, file: string): MoneyBudget[] {
  const out: MoneyBudget[] = [];
  for (const [config, limits] of Object.entries(raw)) {
    const text = limits.cost;
    if (text === undefined) continue;
    const match = /^\s*\$\s*([\d,]+(?:\.\d+)?)\s*([kKmM]?)\s*(?:\/\s*(?:month|mo))?\s*$/.exec(text);
    if (!match) throw new InputError(`${file}: budgets.${config}.cost: expected a monthly amount like "$2000/month" or "$1.5k/month", got "${text}".`);
    const scale = { '': 1, k: 1e3, m: 1e6 }[match[2]!.toLowerCase()]!;
    const limitUsdPerMonth = Number(match[1]!.replace(/,/g, '')) * scale;
    if (!(limitUsdPerMonth > 0 && limitUsdPerMonth <= 1e12)) {
      throw new InputError(`${file}: budgets.${config}.cost: expected more than $0 and at most $1e12 a month, got "${text}".`);
    }
    out.push({ config, limitUsdPerMonth, text: `cost ≤ ${text.trim()}` });
  }
  return out;
}

/** Split a command line on whitespace, honouring simple single and double quotes. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3]!);
  return parts;
}

export function expandInstrumentations(scenario: Scenario, ctx: ExpandContext, file: string): InstrumentationConfig[] {
  const configs: InstrumentationConfig[] = [];
  scenario.instrumentations.forEach((entry, index) => {
    const where = `${file}: instrumentations.${index}`;
    const adapter = adapters.find((candidate) => candidate.matches(entry));
    configs.push(...(adapter ? expandVersions(adapter, entry as Record<string, unknown>, ctx) : expandCustomVersions(entry as never, ctx, where)));
  });
  const seen = new Set<string>();
  for (const config of configs) {
    config.nodeOptions = checkNodeOptions(config.nodeOptions, ctx.targetDir, `${file}: ${config.name}: nodeOptions`);
    assertNoEgress(config.env, file, egressRoutes(), `${config.name}: `);
    if (seen.has(config.name)) throw new InputError(`${file}: instrumentations: the name "${config.name}" is used twice; names must be unique.`);
    if (isPrototypeName(config.name)) {
      throw new InputError(`${file}: instrumentations: the name "${config.name}" is one every JavaScript object already has; choose another (e.g. "${config.name}-agent").`);
    }
    seen.add(config.name);
  }
  return configs;
}

/** `node: [20, 22]`: every candidate once per runtime, each beside a baseline on its runtime (so only co-scheduled pairs). */
function runtimeMatrix(scenario: Scenario, configs: InstrumentationConfig[], file: string): InstrumentationConfig[] {
  if (scenario.workload.design !== 'co-scheduled') {
    throw new InputError(`${file}: node: a runtime matrix needs workload.design: co-scheduled, where each candidate runs beside its own baseline on the same ` +
      'runtime; a sequential block shares one baseline run between candidates.');
  }
  const runtimes = scenario.node!.map(resolveRuntime);
  const labels = runtimes.map((r) => r.label);
  const twice = labels.find((label, i) => labels.indexOf(label) !== i);
  if (twice) throw new InputError(`${file}: node: ${twice} is listed twice; give each Node major once.`);
  return expandRuntimes(configs, scenario.baseline, runtimes);
}

/**
 * A budget whose key matches no config would silently disable a CI check
 * (`datadog:` for `datadog@1`, `Datadog@*`): refuse it, naming the key and the
 * configs there are. `configSets` is one list per scenario the budgets apply to.
 */
export function assertBudgetsMatch(budgets: ReadonlyArray<{ config: string }>, configSets: readonly string[][], where: string): void {
  const all = [...new Set(configSets.flat())];
  for (const key of [...new Set(budgets.map((b) => b.config))]) {
    if (all.some((name) => configMatches(key, name))) continue;
    const close = all.filter((name) => name.toLowerCase().startsWith(key.toLowerCase().replace(/[@*].*$/, '')));
    throw new InputError(
      `${where}: "${key}" matches no config, so its budget would never be checked. ` +
      `The configs are: ${all.join(', ') || '(none besides the baseline)'}.` +
      (close.length ? ` Did you mean "${close.length > 1 ? `${key.replace(/[@*].*$/, '').toLowerCase()}@*` : close[0]}"?` : ' Use a config name or a glob like "datadog@*".'),
    );
  }
}

/** A budgets file that several scenarios share: the same mapping as a scenario's `budgets`. */
export function loadBudgetsFile(file: string): { budgets: Budget[]; moneyBudgets: MoneyBudget[] } {
  const path = resolve(file);
  const doc = parseDocument(readRegularFile(path, file, 'budgets file', 1024 * 1024));
  if (doc.errors.length) throw new InputError(`${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const protoKey = prototypeKeyPath(data);
  if (protoKey) throw new InputError(`${file}: ${protoKey}: a key every JavaScript object already has; it would be dropped unseen. Rename it.`);
  const shape = budgetsShape.safeParse((data as { budgets?: unknown } | null)?.budgets ?? data);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InputError(`${file}: ${at}expected a mapping of config (or glob) to { metric: "+limit" } with quoted limits, e.g.\n  "datadog@*": { cpu: "+15%", p99: "+2ms" }`);
  }
  return { budgets: parseBudgets(shape.data, file), moneyBudgets: parseMoneyBudgets(shape.data, file) };
}
