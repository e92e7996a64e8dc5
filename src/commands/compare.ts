import { compareResults, type Comparison } from '../gate/compare.js';
import { decide, type GateCase, type GateOutcome, type InconclusivePolicy } from '../gate/gate.js';
import { InputError } from '../errors.js';
import { metricAliases, metricByAlias, metrics, type MetricName } from '../samples/metrics.js';
import { readResult } from '../samples/result.js';
import { formatChange } from '../samples/units.js';
import { assertOutputFile, emitGateOutputs } from './project.js';

export interface CompareRequest {
  basePath: string;
  headPath: string;
  /** "10%". */
  maxRegression: string;
  /** "cpu,p99". */
  metrics: string;
  junit?: string;
  markdown?: string;
  inconclusive: InconclusivePolicy;
}

export interface CompareOutcome {
  comparison: Comparison;
  outcome: GateOutcome;
  /** GitHub annotations to print, when in Actions. */
  annotations: string;
}

/** `apm-bench compare base.json head.json`: did any config's overhead grow beyond the limit? */
export function compareFiles(request: CompareRequest): CompareOutcome {
  const limitMatch = /^\+?(\d+(?:\.\d+)?)%$/.exec(request.maxRegression.trim());
  if (!limitMatch) throw new InputError(`--max-regression: expected a percentage like "10%", got "${request.maxRegression}".`);
  for (const [flag, path] of [['--junit', request.junit], ['--markdown', request.markdown]] as const) if (path !== undefined) assertOutputFile(path, flag);
  const limit = Number(limitMatch[1]) / 100;
  if (!(limit <= 100)) throw new InputError(`--max-regression: at most 10000%, got "${request.maxRegression}".`);
  const chosen = request.metrics.split(',').map((name) => {
    const metric = metricByAlias(name.trim());
    if (!metric) throw new InputError(`--metrics: unknown metric "${name}"; expected some of ${metricAliases.join(', ')}.`);
    return metric;
  }) as MetricName[];
  const base = readResult(request.basePath);
  const head = readResult(request.headPath);
  const comparison = compareResults(base, head, limit, chosen);
  if (comparison.regressions.length === 0) {
    throw new InputError(`${request.basePath} and ${request.headPath} share no config with valid paired runs to compare.`);
  }
  const cases: GateCase[] = comparison.regressions.map((r) => ({
    config: r.config,
    check: `${metrics[r.metric].label} regression ≤ +${(limit * 100).toFixed(0)}%`,
    verdict: r.verdict,
    measured: `overhead ${formatChange(r.baseOverhead)} → ${formatChange(r.headOverhead)}: change ${formatChange(r.change)} [${formatChange(r.changeCI.low)}, ` +
      `${formatChange(r.changeCI.high)}]`,
    note: `${r.basePairs} vs ${r.headPairs} pairs across two sessions would detect a change ≥ ${formatChange(r.detectable)} with 80% power` +
      (r.verdict === 'inconclusive' ? '; for a sharper check run base and head in one session, base as the baseline' : ''),
  }));
  const outcome = decide(cases, request.inconclusive, false);
  const annotations = emitGateOutputs(`compare ${head.scenario.name}`, outcome, request, comparison.warnings);
  return { comparison, outcome, annotations };
}
