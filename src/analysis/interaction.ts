import type { Estimate, Interaction } from '../samples/analysis.js';
import type { ConfigRecord } from '../samples/result.js';
import { mean, tQuantile } from './stats.js';

const variance = (values: readonly number[]) => {
  const m = mean(values);
  return values.reduce((sum, v) => sum + (v - m) ** 2, 0) / Math.max(1, values.length - 1);
};

/**
 * A stack of agents against the sum of its members, on CPU per request: each config's extra CPU is its mean per-pair
 * difference from the baseline beside it, so the stack and each member are measured the same way. The interaction
 * (stack − sum) gets a Welch–Satterthwaite t interval over the independent pairs of each.
 */
export function stackInteractions(configs: readonly ConfigRecord[], estimates: readonly Estimate[]): Interaction[] {
  const cpu = (name: string) => estimates.find((e) => e.config === name && e.metric === 'cpuMsPerRequest');
  return configs.flatMap((config) => {
    const members = ((config.options as { members?: Array<{ name: string }> }).members ?? []).map((m) => m.name);
    const stack = cpu(config.name);
    const parts = members.map(cpu);
    if (!members.length || !stack || parts.some((p) => !p)) return [];
    const groups = [stack, ...(parts as Estimate[])].map((e) => e.perPair.map((p) => p.value - p.baselineValue));
    if (groups.some((g) => g.length < 2)) return [];
    const terms = groups.map((g) => variance(g) / g.length);
    const se = Math.sqrt(terms.reduce((a, b) => a + b, 0));
    const df = se > 0 ? se ** 4 / terms.reduce((sum, t, i) => sum + t ** 2 / (groups[i]!.length - 1), 0) : 1;
    const stackDeltaMs = mean(groups[0]!);
    const sumOfPartsMs = groups.slice(1).reduce((sum, g) => sum + mean(g), 0);
    const interactionMs = stackDeltaMs - sumOfPartsMs;
    const half = tQuantile(0.975, Math.max(1, df)) * se;
    const ci = { low: interactionMs - half, high: interactionMs + half };
    return [{
      config: config.name, members, stackDeltaMs, sumOfPartsMs, ratio: stackDeltaMs / sumOfPartsMs, interactionMs, ci,
      finding: ci.low > 0 ? 'more than the sum' as const : ci.high < 0 ? 'less than the sum' as const : 'about the sum' as const,
    }];
  });
}

/** "datadog@1+sentry@1 costs 1.31× the sum of its parts: +0.52 ms/req beyond datadog@1 + sentry@1 [+0.31, +0.74]". */
export function interactionText(i: Interaction): string {
  const ms = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toPrecision(3)} ms`;
  const parts = i.members.join(' + ');
  if (i.finding === 'about the sum') {
    return `${i.config} costs about the sum of its parts (${i.ratio.toFixed(2)}×: ${ms(i.stackDeltaMs)} against ${parts} = ${ms(i.sumOfPartsMs)} CPU/req; ` +
      `interaction ${ms(i.interactionMs)} [${ms(i.ci.low)}, ${ms(i.ci.high)}], within noise)`;
  }
  return `${i.config} costs ${i.ratio.toFixed(2)}× the sum of its parts: ${ms(i.stackDeltaMs)} CPU/req against ${parts} = ${ms(i.sumOfPartsMs)}, ` +
    `${ms(i.interactionMs)} ${i.finding === 'more than the sum' ? 'beyond' : 'below'} it [${ms(i.ci.low)}, ${ms(i.ci.high)}]`;
}
