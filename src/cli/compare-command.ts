import { metricAliases } from '../analysis/budgets.js';
import type { MetricName } from '../analysis/summary.js';
import { compareResults } from '../gate/compare.js';
import { decide, type GateCase, type InconclusivePolicy } from '../gate/gate.js';
import { formatChange } from '../report/format.js';
import { metricLabels } from '../report/analysis-text.js';
import { readResult } from '../samples/result.js';
import { InputError } from '../errors.js';
import { emitGateOutputs, renderGateText } from './gate-output.js';

export interface CompareFlags {
  maxRegression: string;
  metrics: string;
  junit?: string;
  markdown?: string;
  inconclusive: InconclusivePolicy;
}

/** `apm-bench compare base.json head.json`: did any config's overhead grow beyond --max-regression? */
export function compareCommand(basePath: string, headPath: string, flags: CompareFlags): number {
  const limitMatch = /^\+?(\d+(?:\.\d+)?)%$/.exec(flags.maxRegression.trim());
  if (!limitMatch) throw new InputError(`--max-regression: expected a percentage like "10%", got "${flags.maxRegression}".`);
  const limit = Number(limitMatch[1]) / 100;
  const metrics = flags.metrics.split(',').map((name) => {
    const metric = metricAliases[name.trim()];
    if (!metric) throw new InputError(`--metrics: unknown metric "${name}"; expected some of ${Object.keys(metricAliases).join(', ')}.`);
    return metric;
  }) as MetricName[];
  const base = readResult(basePath);
  const head = readResult(headPath);
  const comparison = compareResults(base, head, limit, metrics);
  for (const warning of comparison.warnings) {
    process.stderr.write(`WARNING: ${warning}. Absolute numbers do not transfer; only same-run overhead ratios are compared.\n`);
  }
  if (comparison.regressions.length === 0) {
    throw new InputError(`${basePath} and ${headPath} share no config with valid paired runs to compare.`);
  }
  const cases: GateCase[] = comparison.regressions.map((r) => ({
    config: r.config,
    check: `${metricLabels[r.metric]} regression ≤ +${(limit * 100).toFixed(0)}%`,
    verdict: r.verdict,
    measured: `overhead ${formatChange(r.baseOverhead)} → ${formatChange(r.headOverhead)}: change ${formatChange(r.change)} [${formatChange(r.changeCI.low)}, ${formatChange(r.changeCI.high)}]`,
    note: `${r.basePairs} vs ${r.headPairs} pairs across two sessions would detect a change ≥ ${formatChange(r.detectable)} with 80% power` +
      (r.verdict === 'inconclusive' ? '; for a sharper check run base and head in one session, base as the baseline' : ''),
  }));
  const outcome = decide(cases, flags.inconclusive, false);
  process.stdout.write(`Comparing ${headPath} (head) against ${basePath} (base), same-run overhead against each result's baseline:\n`);
  for (const r of comparison.regressions) {
    const word = r.verdict === 'fail' ? 'REGRESSION' : r.verdict === 'pass' ? 'no regression' : 'inconclusive';
    process.stdout.write(`  ${word.padEnd(13)} ${r.config} ${metricLabels[r.metric]}: ${formatChange(r.baseOverhead)} → ${formatChange(r.headOverhead)} (change ${formatChange(r.change)}, CI [${formatChange(r.changeCI.low)}, ${formatChange(r.changeCI.high)}])\n`);
  }
  process.stdout.write(`\n${renderGateText(outcome)}`);
  emitGateOutputs(`compare ${head.scenario.name}`, outcome, flags, comparison.warnings);
  return outcome.exitCode;
}
