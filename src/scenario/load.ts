import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { bundledFixture } from '../paths.js';
import { expandCustom } from '../instrument/custom.js';
import { adapters } from '../instrument/registry.js';
import { assertLoopbackOnly } from '../instrument/egress.js';
import type { InstrumentationConfig } from '../instrument/types.js';
import { budgetsShape, scenarioSchema, type Scenario } from './schema.js';
import { configMatches, parseBudgetValue, parseVolumeBudget } from '../analysis/budgets.js';
import type { Budget } from '../samples/analysis.js';
import { metricAliases, metricByAlias, volumeMetrics, type VolumeMetric } from '../samples/metrics.js';

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
}

export function loadScenario(file: string): LoadedScenario {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError(`${file}: no such scenario file.`);
  const text = readFileSync(path, 'utf8');
  const scenario = parseScenarioText(text, file);
  const scenarioDir = dirname(path);
  const target = resolveTarget(scenario, scenarioDir, file);
  const configs = expandInstrumentations(scenario, { scenarioDir, targetDir: target.cwd }, file);
  if (!configs.some((config) => config.name === scenario.baseline)) {
    throw new InputError(
      `${file}: baseline: no instrumentation is named "${scenario.baseline}". ` +
      `Add "- name: ${scenario.baseline}" to instrumentations, or set baseline to one of: ${configs.map((c) => c.name).join(', ')}.`,
    );
  }
  if (scenario.workload.design === 'co-scheduled' && target.fixedPort !== undefined) {
    throw new InputError(
      `${file}: target.port: the co-scheduled design runs two targets at once, so they cannot share a fixed port. ` +
      'Let apm-bench choose ports (the app listens on process.env.PORT), or set workload.design: sequential.',
    );
  }
  const budgets = parseBudgets(scenario.budgets, file);
  assertBudgetsMatch(budgets, [configs.map((c) => c.name).filter((name) => name !== scenario.baseline)], `${file}: budgets`);
  return {
    file: path,
    budgets,
    name: scenario.name ?? basename(path, extname(path)),
    hash: createHash('sha256').update(text).digest('hex'),
    scenario,
    target,
    configs,
  };
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
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`${file}: expected a YAML mapping with "workload" and "instrumentations" at the top level.`);
  }
  const parsed = scenarioSchema.safeParse(data);
  if (parsed.success) return parsed.data;

  const issues = parsed.error.issues.flatMap(explainUnion);
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

/**
 * A union (custom preload | datadog | sentry | …) that matched no branch: show
 * the issues of the branch that got furthest into the entry — the one whose
 * vendor key matched — instead of "no allowed form".
 */
function explainUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !issue.errors.length) return [issue];
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
  // Among equally shallow branches, the one with the fewest complaints (unknown keys counted singly) fits best.
  const weight = (branch: z.core.$ZodIssue[]) => branch.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
  const ranked = [...issue.errors].sort((a, b) => depth(b) - depth(a) || weight(a) - weight(b));
  const best = ranked[0]!;
  if (depth(best) === 0 && ranked.length > 1 && weight(ranked[1]!) === weight(best)) return [issue];
  return best.flatMap((inner) => explainUnion({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed form (check the field names and types against scenario.schema.json)';
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
    };
  }
  const cwd = resolve(scenarioDir, target.cwd ?? '.');
  if (!existsSync(cwd)) throw new InputError(`${file}: target.cwd: directory not found: ${cwd}`);
  assertLoopbackOnly({ name: 'target', kind: 'target', preloads: [], env: target.env, nodeOptions: [], options: {} }, `${file}: target.env`);
  const common = { cwd, fixedPort: target.port, readyPath: target.readyPath, readyTimeoutMs: target.readyTimeout, env: target.env };
  if ('module' in target) {
    const script = resolve(cwd, target.module);
    if (!existsSync(script)) throw new InputError(`${file}: target.module: file not found: ${target.module} (resolved to ${script}).`);
    return { kind: 'module', script, ...common };
  }
  return { kind: 'command', command: splitCommand(target.command), ...common };
}

export function parseBudgets(raw: Record<string, Record<string, string>>, file: string): Budget[] {
  const budgets: Budget[] = [];
  for (const [config, limits] of Object.entries(raw)) {
    for (const [alias, text] of Object.entries(limits)) {
      if (alias in volumeMetrics) {
        const parsed = parseVolumeBudget(alias as VolumeMetric, text);
        if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
        budgets.push({ config, metric: alias as VolumeMetric, ...parsed, text: `${alias}/req ≤ ${text}` });
        continue;
      }
      const metric = metricByAlias(alias);
      if (!metric) throw new InputError(`${file}: budgets.${config}.${alias}: unknown metric; expected one of ${[...metricAliases, ...Object.keys(volumeMetrics)].join(', ')}.`);
      const parsed = parseBudgetValue(metric, text);
      if (typeof parsed === 'string') throw new InputError(`${file}: budgets.${config}.${alias}: ${parsed}.`);
      budgets.push({ config, metric, ...parsed, text: `${alias} ≤ ${text}` });
    }
  }
  return budgets;
}

/** Split a command line on whitespace, honouring simple single and double quotes. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3]!);
  return parts;
}

function expandInstrumentations(scenario: Scenario, ctx: { scenarioDir: string; targetDir: string }, file: string): InstrumentationConfig[] {
  const configs: InstrumentationConfig[] = [];
  scenario.instrumentations.forEach((entry, index) => {
    const where = `${file}: instrumentations.${index}`;
    const adapter = adapters.find((candidate) => candidate.matches(entry));
    configs.push(...(adapter ? adapter.expand(entry, ctx) : [expandCustom(entry as never, ctx, where)]));
  });
  const seen = new Set<string>();
  for (const config of configs) {
    assertLoopbackOnly(config, file);
    if (seen.has(config.name)) throw new InputError(`${file}: instrumentations: the name "${config.name}" is used twice; names must be unique.`);
    seen.add(config.name);
  }
  return configs;
}

/**
 * A budget whose key matches no config would silently disable a CI check
 * (`datadog:` for `datadog@1`, `Datadog@*`): refuse it, naming the key and the
 * configs there are. `configSets` is one list per scenario the budgets apply to.
 */
export function assertBudgetsMatch(budgets: readonly Budget[], configSets: readonly string[][], where: string): void {
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
export function loadBudgetsFile(file: string): Budget[] {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError(`${file}: no such budgets file.`);
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length) throw new InputError(`${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const data = doc.toJS() as unknown;
  const shape = budgetsShape.safeParse((data as { budgets?: unknown } | null)?.budgets ?? data);
  if (!shape.success) throw new InputError(`${file}: expected a mapping of config (or glob) to { metric: "+limit" }, e.g.\n  "datadog@*": { cpu: "+15%", p99: "+2ms" }`);
  return parseBudgets(shape.data, file);
}
