import { minimumDetectableEffect } from '../analysis/stats.js';
import type { Pricing, PriceEntry } from '../cost/pricing.js';
import { pricingSources, STALE_AFTER_MONTHS, stalePrices } from '../cost/pricing.js';
import { instancePrice, type ConfigCost, type CostOptions } from '../cost/project.js';
import type { Comparison } from '../gate/compare.js';
import { metrics, type MetricName } from '../samples/metrics.js';
import type { Calibration, NeighbourSide, SpreadCovariate } from '../samples/result.js';
import { formatChange, formatNumber } from '../samples/units.js';
import { usd } from './input.js';

/** The noise floor of a calibration, for the terminal. */
export function renderCalibration(calibration: Calibration, scenarioRounds?: number | 'auto'): string {
  const how = calibration.design === 'co-scheduled'
    ? 'co-scheduled pairs: the baseline beside its own twin'
    : 'sequential blocks: the baseline against its own twin';
  const lines = [`Noise floor (A/A, ${calibration.pairs} ${how}):`];
  for (const [metric, entry] of Object.entries(calibration.metrics)) {
    const label = metrics[metric as MetricName]?.label ?? metric;
    const mde = Object.entries(entry.minimumDetectableEffect).map(([n, effect]) => `${n} rounds ≥ ${(effect * 100).toFixed(1)}%`).join(', ');
    lines.push(`  ${label.padEnd(8)} SD of the per-pair log ratio ${entry.logRatioSD.toFixed(3)}; detectable (95% confidence, 80% power): ${mde}`);
  }
  const cpu = calibration.metrics.cpuMsPerRequest;
  if (cpu) {
    const e = cpu.minimumDetectableEffect;
    const pct = (n: string) => `${(e[n]! * 100).toFixed(1)}%`;
    lines.push('', `CPU per request: 5 rounds detect ≥ ${pct('5')} overhead, 10 rounds ≥ ${pct('10')}, 30 rounds ≥ ${pct('30')}.`);
    if (typeof scenarioRounds === 'number') {
      const own = minimumDetectableEffect(cpu.logRatioSD, scenarioRounds);
      lines.push(`With the scenario's own ${scenarioRounds} rounds: CPU overheads ≥ ${(own * 100).toFixed(1)}% are detected (95% confidence, 80% power).`);
    }
  }
  if (calibration.agents?.length) {
    lines.push('', 'Each agent\'s own spread (its work comes in lumps, so its pairs spread wider than A/A; size its rounds from this, not the floor):');
    for (const agent of calibration.agents) {
      const e = agent.minimumDetectableEffect;
      const pct = (n: string) => `${(e[n]! * 100).toFixed(1)}%`;
      const five = agent.roundsFor5Percent !== undefined ? `${agent.roundsFor5Percent} rounds resolve a 5% change` : 'more than 500 rounds to resolve a 5% change';
      lines.push(`  ${agent.config}: CPU ${formatChange(agent.overhead)}, SD of the per-pair log ratio ${agent.logRatioSD.toFixed(3)} over ${agent.pairs} pairs ` +
        `(${(agent.logRatioSD / Math.max(cpu?.logRatioSD ?? 0, 1e-9)).toFixed(1)}× A/A); 3 rounds detect ≥ ${pct('3')}, 10 ≥ ${pct('10')}; ${five}`);
      const explained = Object.entries(agent.explained ?? {}).sort(([, a], [, b]) => b - a)
        .map(([name, r2]) => `${COVARIATE_LABELS[name as SpreadCovariate]} ${Math.round(r2 * 100)}%`);
      if (explained.length) lines.push(`    its spread goes with (r², each alone): ${explained.join(', ')}`);
    }
  }
  if (calibration.neighbour) lines.push('', ...renderNeighbour(calibration.neighbour));
  return `${lines.join('\n')}\n`;
}

/** `calibrate --neighbour`: each config quiet and under the hog, side by side, and how far its overhead moved. */
function renderNeighbour(neighbour: NonNullable<Calibration['neighbour']>): string[] {
  const { hog } = neighbour;
  const others = (side: NeighbourSide) => (side.otherCpuPercent !== undefined ? `, others ${side.otherCpuPercent.toFixed(0)}% of the target CPU` : '');
  const side = (s: NeighbourSide) => `${formatChange(s.overhead)} (SD ${s.logRatioSD.toFixed(3)}, ${s.pairs} pairs${others(s)})`;
  return [
    `Under a neighbour (${hog.processes} processes, one per CPU, unpinned, at the targets' priority, each busy ${hog.busyMs} ms of every ` +
      `${hog.busyMs + hog.idleMs} ms; through ${hog.units} pairs, interleaved with the quiet ones, it used ${hog.cpuPercent.toFixed(0)}% of every CPU):`,
    ...neighbour.configs.map((c) => `  ${c.config}: quiet ${side(c.quiet)}; with the neighbour ${side(c.busy)}; ` +
      `its CPU ratio moved ${formatChange(c.shift)} [${formatChange(c.shiftLow)}, ${formatChange(c.shiftHigh)}]`),
  ];
}


const COVARIATE_LABELS: Record<SpreadCovariate, string> = {
  baselineCpu: 'the baseline\'s own CPU/request (the machine\'s speed of the moment)',
  payloads: 'its in-window payloads (flushes)',
  harnessCpu: 'apm-bench\'s own CPU',
  sendLag: 'the generator\'s send lag',
  neighbourCpu: 'other processes on the target CPU',
};
/** Each config's monthly bill with the formula behind every line, for the terminal. */
export function renderCostText(baseline: string, traffic: string, options: CostOptions, pricing: Pricing, costs: readonly ConfigCost[], today: string): string {
  const { deployment, datadogIndexedFraction } = options;
  const sizing = options.peakRps !== undefined ? 'a fleet sized for the peak' : 'autoscaled vCPU-hours';
  const out: string[] = [
    `Monthly cost against ${baseline}: ${traffic}`,
    `on ${deployment.instances}× ${instancePrice(deployment, pricing).label} at ${deployment.targetUtilization * 100}% target CPU, extra compute as ${sizing}`,
    `(pricing ${pricing.pricing_version}; each range carries every measured input: CPU, memory, spans, bytes and errors per request)`,
    '',
  ];
  for (const cost of costs) {
    const fleet = cost.fleet;
    out.push(`${cost.config}: ${usd(cost.totalUsd)}/month (${usd(cost.lowUsd)}–${usd(cost.highUsd)}), +${cost.extraInstances.toFixed(2)} instances of CPU`);
    out.push(`    fleet: ${fleet.p99Hosts.toFixed(2)} hosts in the p99 hour (what per-host prices bill; fractional, the expected count); ` +
      `${formatNumber(fleet.perInstanceRps)} req/s per instance${fleet.peakPerInstanceRps > fleet.perInstanceRps ? ` (${formatNumber(fleet.peakPerInstanceRps)} at peak)` : ''}`);
    if (cost.rangeNote) out.push(`    range: ${cost.rangeNote}`);
    for (const line of [...cost.infrastructure, ...cost.vendor]) out.push(`    ${line.label.padEnd(30)} ${usd(line.usd).padStart(9)}   ${line.formula}`);
  }
  out.push('', `Prices from: ${pricingSources(pricing).join('; ')}.`);
  const stale = stalePrices(pricing, today);
  if (stale.length) {
    const oldest = stale.map((p) => p.asOf).sort()[0];
    out.push(`Warning: ${stale.length} price${stale.length > 1 ? 's are' : ' is'} more than ${STALE_AFTER_MONTHS} months old (oldest ${oldest}); "apm-bench pricing" lists them.`);
  }
  const errorShare = (options.datadogErrorIndexedFraction ?? 1) * 100;
  out.push(`Assumptions: ${datadogIndexedFraction * 100}% of kept Datadog spans indexed (--indexed-fraction) plus ${errorShare}% of error spans ` +
    `(--error-indexed-fraction); dd-trace keeps at most 100 traces/s per process; Sentry volume ${options.sentryBilling === 'reserved' ? 'reserved (prepaid)' : 'pay-as-you-go'} ` +
    `(--sentry-billing); Prometheus scraped every ${options.scrapeIntervalSeconds ?? 15}s in production (--scrape-interval); Grafana Pro keeps the free series allowance.`);
  return `${out.join('\n')}\n`;
}

/** Head against base, per config and metric, for the terminal. */
export function renderComparison(basePath: string, headPath: string, comparison: Comparison): string {
  const lines = [`Comparing ${headPath} (head) against ${basePath} (base), same-run overhead against each result's baseline:`];
  for (const r of comparison.regressions) {
    const word = r.verdict === 'fail' ? 'REGRESSION' : r.verdict === 'pass' ? 'no regression' : 'inconclusive';
    lines.push(`  ${word.padEnd(13)} ${r.config} ${metrics[r.metric].label}: ${formatChange(r.baseOverhead)} → ${formatChange(r.headOverhead)} ` +
      `(change ${formatChange(r.change)}, CI [${formatChange(r.changeCI.low)}, ${formatChange(r.changeCI.high)}])`);
  }
  return `${lines.join('\n')}\n`;
}

/** `apm-bench pricing`: every price in force, its source and how old it is; stale ones flagged. */
export function renderPricing(pricing: Pricing, entries: ReadonlyArray<PriceEntry & { ageMonths: number; stale: boolean }>, today: string, file: string): string {
  const out = [`Pricing ${pricing.pricing_version} (${file}), ${entries.length} prices, as of ${today}:`, ''];
  let section = '';
  for (const entry of entries) {
    const top = entry.path.split('.')[0]!;
    if (top !== section) {
      section = top;
      out.push(`${top}:`);
    }
    const age = entry.ageMonths;
    const flag = entry.stale ? `  STALE (> ${STALE_AFTER_MONTHS} months)` : '';
    out.push(`  ${(entry.path === top ? top : entry.path.slice(top.length + 1)).padEnd(40)} ${String(entry.value).padStart(10)} ${entry.unit}`);
    const url = entry.url ? `\n  ${''.padEnd(40)} ${entry.url}` : '';
    out.push(`  ${''.padEnd(40)} ${entry.kind}, ${entry.source}, as of ${entry.asOf} (${age} month${age === 1 ? '' : 's'} old)${flag}${url}`);
  }
  const stale = entries.filter((e) => e.stale).length;
  out.push('', stale
    ? `${stale} price${stale > 1 ? 's are' : ' is'} more than ${STALE_AFTER_MONTHS} months old: check them before quoting.`
    : `Every price is at most ${STALE_AFTER_MONTHS} months old.`);
  out.push('Your contract prices: --pricing mine.yaml (deep-merged over these; its values are marked "yours"). Changes: pricing/CHANGELOG.md.');
  return `${out.join('\n')}\n`;
}
