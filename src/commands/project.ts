import { appendFileSync, closeSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyse } from '../analysis/analyse.js';
import { summarise } from '../analysis/summary.js';
import { measuresFromResult, pairMeasures } from '../cost/measures.js';
import { loadPricing, type Pricing } from '../cost/pricing.js';
import { projectConfig, type ConfigCost, type CostOptions } from '../cost/project.js';
import { parseTraffic, type TrafficProfile } from '../cost/traffic.js';
import { InputError, writeFileReplacing } from '../errors.js';
import { applyOverrides, assertBudgetsMatch, loadBudgetsFile, loadScenario, type LoadedScenario, type WorkloadOverrides } from '../scenario/load.js';
import type { GateOutcome } from '../gate/gate.js';
import { adapterFor } from '../instrument/registry.js';
import { renderAnnotations, renderGateMarkdown, renderJUnit } from '../report/ci.js';
import type { ReportInput } from '../report/input.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { reportRows } from '../report/rows.js';
import type { Calibration, ResultDocument } from '../samples/result.js';
import { calibrationSchema } from '../samples/result-schema.js';
import { fileTimestamp, parseDurationMs, safeFileName } from '../samples/units.js';

/**
 * Building blocks several commands share: turning cost flags into a projection,
 * a result into its reports, and a gate outcome into its CI files. Files and
 * environment variables are touched here, at the edge, and nowhere below.
 */

export interface CostFlags {
  traffic: string;
  /** Older spelling of --traffic (requests per month). */
  requests?: string;
  instance: string;
  instances: string;
  vcpu?: string;
  memory?: string;
  utilization: string;
  datadogPlan?: string;
  sentryPlan: string;
  indexedFraction: string;
  errorIndexedFraction?: string;
  sentryBilling?: string;
  scrapeInterval?: string;
  newrelicSeats?: string;
  pricing?: string;
}

export const defaultCostFlags: CostFlags = {
  traffic: '500M', instance: 'm7i.large', instances: '4', utilization: '0.6', sentryPlan: 'team', indexedFraction: '0.01',
};

export interface CostSetup {
  options: CostOptions;
  pricing: Pricing;
  traffic: TrafficProfile;
}

/** A flag's number within [min, max], the bounds named in the error: NaN, ∞ and 1e-320 never reach a bill. */
function bounded(flag: string, text: string, min: number, max: number, what = 'a number'): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!(value >= min && value <= max)) throw new InputError(`${flag}: expected ${what} from ${min} to ${max}, got "${text}".`);
  return value;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = bounded(flag, text, min, max, 'a whole number');
  if (!Number.isInteger(value)) throw new InputError(`${flag}: expected a whole number from ${min} to ${max}, got "${text}".`);
  return value;
}

/** Validate the cost flags against the pricing file; every bad value is an input error. */
export function costSetup(flags: CostFlags): CostSetup {
  const pricing = loadPricing(flags.pricing);
  const traffic = parseTraffic(flags.requests ?? flags.traffic, pricing.hoursPerMonth.value);
  if ('error' in traffic) throw new InputError(`--traffic: ${traffic.error}. Examples: "500M" (per month), "190rps" (average), "190rps,peak=800rps".`);
  const instances = wholeNumber('--instances', flags.instances, 1, 1e6);
  // Below 1% utilisation a fleet is sized for 100× its load: a typo, and the bill would be meaningless.
  const targetUtilization = bounded('--utilization', flags.utilization, 0.01, 1, 'a fraction');
  const datadogIndexedFraction = bounded('--indexed-fraction', flags.indexedFraction, 0, 1, 'a fraction');
  // Own keys only: --instance toString would find Object.prototype's, and the bill would crash far from the flag.
  if (flags.instance !== 'fargate' && !Object.hasOwn(pricing.compute.instances, flags.instance)) {
    throw new InputError(`--instance: "${flags.instance}" is not in the pricing file; known: fargate, ${Object.keys(pricing.compute.instances).join(', ')}.`);
  }
  if (flags.instance !== 'fargate' && (flags.vcpu || flags.memory)) {
    throw new InputError(`--vcpu and --memory size a Fargate task (--instance fargate); ${flags.instance}'s size is in the pricing file.`);
  }
  const datadogPlan = flags.datadogPlan ?? 'apm';
  if (!Object.hasOwn(pricing.datadog.plans, datadogPlan)) {
    throw new InputError(`--datadog-plan: "${datadogPlan}" is not in the pricing file; known: ${Object.keys(pricing.datadog.plans).join(', ')}.`);
  }
  if (!Object.hasOwn(pricing.sentry.plans, flags.sentryPlan)) {
    throw new InputError(`--sentry-plan: "${flags.sentryPlan}" is not in the pricing file; known: ${Object.keys(pricing.sentry.plans).join(', ')}.`);
  }
  const errorIndexed = bounded('--error-indexed-fraction', flags.errorIndexedFraction ?? '1', 0, 1, 'a fraction');
  const sentryBilling = flags.sentryBilling ?? 'payg';
  if (sentryBilling !== 'payg' && sentryBilling !== 'reserved') throw new InputError(`--sentry-billing: expected payg or reserved, got "${sentryBilling}".`);
  const scrapeMs = parseDurationMs(flags.scrapeInterval ?? '15s');
  if (!scrapeMs || scrapeMs < 1000 || scrapeMs > 3_600_000) {
    throw new InputError(`--scrape-interval: expected a duration from 1s to 1h, like "15s", got "${flags.scrapeInterval}".`);
  }
  const seats = wholeNumber('--newrelic-seats', flags.newrelicSeats ?? '0', 0, 1e6);
  // Fargate's task sizes: 0.25 to 16 vCPU, 0.5 to 120 GB.
  const vcpu = flags.vcpu === undefined ? undefined : bounded('--vcpu', flags.vcpu, 0.25, 16, 'vCPUs');
  const memoryGiB = flags.memory === undefined ? undefined : bounded('--memory', flags.memory.replace(/\s*gi?b$/i, ''), 0.5, 120, 'GiB');
  return {
    pricing,
    traffic,
    options: {
      requestsPerMonth: traffic.requestsPerMonth,
      ...(traffic.peakRps !== undefined ? { peakRps: traffic.peakRps } : {}),
      deployment: { instanceType: flags.instance, instances, targetUtilization, ...(vcpu ? { vcpu } : {}), ...(memoryGiB ? { memoryGiB } : {}) },
      sentryPlan: flags.sentryPlan,
      datadogPlan,
      datadogIndexedFraction,
      datadogErrorIndexedFraction: errorIndexed,
      sentryBilling,
      scrapeIntervalSeconds: scrapeMs / 1000,
      newrelicSeats: seats,
    },
  };
}

/** The monthly bill of every config, each vendor's part from its adapter. */
export function projectCosts(result: ResultDocument, setup: CostSetup): { measures: ReturnType<typeof measuresFromResult>; costs: ConfigCost[] } {
  const measures = measuresFromResult(result);
  const pairs = pairMeasures(result, measures);
  // Whether logs are shipped is the scenario's to say; the traffic and prices are the flags'.
  const options = result.scenario.logs?.shipped ? { ...setup.options, logs: result.scenario.logs } : setup.options;
  const costs = measures.map((measure) => projectConfig(measure, options, setup.pricing, adapterFor(measure.kind)?.bill, pairs.get(measure.config)));
  return { measures, costs };
}

/** Everything the reports show for one result under a traffic profile. */
export function reportInputFor(result: ResultDocument, flags: CostFlags = defaultCostFlags): ReportInput {
  const setup = costSetup(flags);
  const { measures, costs } = projectCosts(result, setup);
  const summaries = summarise(result);
  const analysis = analyse(result, result.scenario.budgets ?? []);
  return {
    result,
    summaries,
    analysis,
    rows: reportRows(result, summaries, analysis, costs),
    measures,
    costs,
    traffic: setup.traffic.text,
    pricing: setup.pricing,
  };
}

/** Write `<stem>.md` and `<stem>.html` beside each other; returns their paths. */
/** The report files a run can write beside its JSON result (which it always writes), in the order they are listed. */
export const REPORT_FORMATS = ['md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `--report md,html` (or "none"): the formats, checked; a wrong one is an input error that lists the right ones. */
export function parseReportFormats(text: string, where = '--report'): ReportFormat[] {
  const names = text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  if (names.length === 1 && names[0] === 'none') return [];
  const wrong = names.find((name) => !(REPORT_FORMATS as readonly string[]).includes(name));
  if (wrong !== undefined || names.length === 0) {
    throw new InputError(`${where}: expected a comma-separated list of ${REPORT_FORMATS.join(', ')}, or "none"; got "${wrong ?? text}".`);
  }
  return [...new Set(names)] as ReportFormat[];
}

export async function writeReports(
  result: ResultDocument, outDir: string, stem: string, flags: CostFlags = defaultCostFlags, input: ReportInput = reportInputFor(result, flags),
  formats: readonly ReportFormat[] = REPORT_FORMATS,
): Promise<{ markdown?: string; html?: string }> {
  mkdirSync(outDir, { recursive: true });
  const written: { markdown?: string; html?: string } = {};
  if (formats.includes('md')) {
    written.markdown = join(outDir, `${stem}.md`);
    writeFileReplacing(written.markdown, renderMarkdownReport(input));
  }
  // Rendering the charts costs about a second of CPU: skipped when only the JSON (or Markdown) is wanted.
  if (formats.includes('html')) {
    written.html = join(outDir, `${stem}.html`);
    // Loaded only when an HTML report is written: its charts bring Vega and the histogram library.
    const { renderHtmlReport } = await import('../report/html.js');
    writeFileReplacing(written.html, await renderHtmlReport(input));
  }
  return written;
}

export interface GateFiles {
  junit?: string;
  markdown?: string;
}

/** JUnit and Markdown files when asked, the GitHub step summary when set; returns GitHub annotations to print, if in Actions. */
export function emitGateOutputs(title: string, outcome: GateOutcome, files: GateFiles, warnings: readonly string[] = []): string {
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileReplacing(path, text);
  };
  const markdown = renderGateMarkdown(title, outcome, warnings);
  if (files.junit) write(files.junit, renderJUnit(title, outcome));
  if (files.markdown) write(files.markdown, markdown);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  return process.env.GITHUB_ACTIONS === 'true' ? renderAnnotations(outcome) : '';
}

/** The newest calibration of a scenario in `outDir`, if any (run warns about budgets below its noise floor). */
export function latestCalibration(outDir: string, scenarioName: string): Calibration | undefined {
  let files: string[];
  try {
    files = readdirSync(outDir).filter((f) => f.startsWith(`${safeFileName(scenarioName)}-calibration-`) && f.endsWith('.json')).sort();
  } catch {
    return undefined;
  }
  for (const file of files.reverse()) {
    try {
      const doc = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as { calibration?: unknown };
      // A calibration feeds the gate's verdicts: only one the schema accepts, and only the fields it checked.
      const calibration = calibrationSchema.safeParse(doc?.calibration);
      if (calibration.success) return calibration.data as Calibration;
    } catch { /* skip unreadable */ }
  }
  return undefined;
}

/** Where a session's result goes: `<out>/<name>-<time>.json`. */
export function resultPath(outDir: string, name: string): string {
  // Two runs of one scenario within the same second (a script, a CI matrix sharing --out) would share a name, and the
  // later would overwrite the earlier's result: the name is claimed with an exclusive create, and a taken one gets -2, -3….
  const stem = resolve(outDir, `${safeFileName(name)}-${fileTimestamp()}`);
  mkdirSync(dirname(stem), { recursive: true });
  for (let n = 1; ; n += 1) {
    const path = n === 1 ? `${stem}.json` : `${stem}-${n}.json`;
    try {
      closeSync(openSync(path, 'wx'));
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** `--out` must be a directory (or not exist yet): a file there would fail only after the whole run. */
export function assertOutDirectory(path: string, flag = '--out'): void {
  // An empty --out would write into the current directory.
  if (path.trim() === '') throw new InputError(`${flag}: an empty path; give a directory for the results, e.g. ${flag} reports.`);
  assertCreatable(path, flag);
  // A link would send every result somewhere the user did not name: say where, and let them name it.
  if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new InputError(`${flag} ${path}: a symbolic link (to ${realTarget(path)}); give the directory itself if results should go there.`);
  }
  if (existsSync(path) && !statSync(path).isDirectory()) {
    throw new InputError(`${flag} ${path}: is a file; give a directory for the results (it is created when missing).`);
  }
}

/** `--junit`, `--markdown`, `--output`: a file path that can be written, checked before the session rather than after it. */
export function assertOutputFile(path: string, flag: string): void {
  if (path.trim() === '') throw new InputError(`${flag}: an empty path; give a file name.`);
  assertCreatable(path, flag);
  if (existsSync(path) && !statSync(path).isFile()) {
    throw new InputError(`${flag} ${path}: exists and is not a regular file (a directory or a device); give a file name.`);
  }
}

function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return `${readlinkSync(path)}, which does not exist`;
  }
}

/** Every folder above `path` that exists must be a folder: /dev/null/sub can never be created. */
function assertCreatable(path: string, flag: string): void {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${path}: ${dir} is not a directory, so nothing can be written under it.`);
      return;
    }
    if (dir === dirname(dir)) return;
  }
}

/** What loading `run`'s scenarios reads of its request: `run` and its session inside the network namespace load alike. */
export interface RunLoadRequest {
  files: string[];
  out: string;
  /** "auto" or a whole number; overrides the scenarios' rounds. */
  rounds?: string;
  /** --rate, --duration, --connections on top of every scenario. */
  overrides?: WorkloadOverrides;
  /** --traffic and the other cost flags: the reports' bill, and money budgets in the gate. */
  costFlags?: CostFlags;
  /** --profile: a profiling pass after the rounds, V8 sampling every `intervalUs`. */
  profile?: { intervalUs: number };
  /** --output: the result file's path (one scenario only); by default <out>/<name>-<time>.json. */
  output?: string;
  budgetsFile?: string;
  gate?: boolean;
  junit?: string;
  markdown?: string;
  /** --no-preflight: skip starting the baseline once to check every route before the session. */
  preflight?: boolean;
  /** --network: "isolated" (a loopback-only namespace where the machine allows it; the default) or "host". */
  network?: 'isolated' | 'host';
}

/** Every scenario and the shared budgets, checked before anything runs. */
export function loadRunScenarios(request: RunLoadRequest): LoadedScenario[] {
  if (request.profile && !(Number.isInteger(request.profile.intervalUs) && request.profile.intervalUs >= 20 && request.profile.intervalUs <= 10_000)) {
    throw new InputError(`--profile-interval: expected a whole number of µs from 20 to 10000, got "${request.profile.intervalUs}".`);
  }
  if (request.output && request.files.length > 1) {
    throw new InputError(`--output: names one result file, and ${request.files.length} scenarios were given; use --out <dir> for several.`);
  }
  assertOutDirectory(request.out);
  for (const [flag, path] of [['--output', request.output], ['--junit', request.junit], ['--markdown', request.markdown]] as const) {
    if (path !== undefined) assertOutputFile(path, flag);
  }
  if (request.output && !request.output.endsWith('.json')) throw new InputError(`--output: expected a file name ending in .json, got "${request.output}".`);
  const scenarios = request.files.map((file) => loadScenario(file));
  for (const loaded of scenarios) {
    applyOverrides(loaded, request.overrides ?? {});
    if (request.rounds !== undefined) loaded.overrides = { ...loaded.overrides, rounds: request.rounds };
  }
  const shared = request.budgetsFile ? loadBudgetsFile(request.budgetsFile) : { budgets: [], moneyBudgets: [] };
  const candidates = scenarios.map((l) => l.configs.map((c) => c.name).filter((name) => name !== l.scenario.baseline));
  assertBudgetsMatch([...shared.budgets, ...shared.moneyBudgets], candidates, `${request.budgetsFile}`);
  for (const loaded of scenarios) {
    loaded.budgets.push(...shared.budgets);
    loaded.moneyBudgets.push(...shared.moneyBudgets);
  }
  // Cost flags are checked before any load, so a typo in --traffic wastes nothing.
  costSetup(request.costFlags ?? defaultCostFlags);
  if (request.gate) {
    const without = scenarios.filter((loaded) => loaded.budgets.length === 0 && loaded.moneyBudgets.length === 0);
    if (without.length) {
      throw new InputError(`--gate: ${without.map((l) => l.file).join(', ')} has no budgets. Add "budgets:" to the scenario or pass --budgets budgets.yaml.`);
    }
  }
  return scenarios;
}
