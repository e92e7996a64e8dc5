import type { BehaviourChange, BrokenRoute } from '../samples/analysis.js';
import { FAILED_SHARE_TOLERANCE, failedRequests, isValidRun, type MeasuredRun, type RunSample } from '../samples/result.js';
import { mean, tInterval } from './stats.js';

/** One pair's failed shares: the config's window and the baseline's beside it (or of its block, sequentially). */
export interface FailurePair {
  pair: number;
  round: number;
  share: number;
  baselineShare: number;
  run: MeasuredRun;
  baselineRun: MeasuredRun;
}

const shareOf = (run: MeasuredRun) => failedRequests(run.load) / Math.max(1, run.load.sent);

/**
 * The failed share of each pair. `validOnly` (budgets) takes the pairs every other estimate takes; otherwise
 * (findings) any measured window counts, because a run left out for another reason still saw what it saw.
 */
export function failurePairs(runs: readonly RunSample[], config: string, baseline: string, options: { rateRps?: number; validOnly?: boolean } = {}): FailurePair[] {
  const byPair = new Map<number, { run?: MeasuredRun; base?: MeasuredRun }>();
  for (const run of runs) {
    if (run.status !== 'measured' || (options.validOnly && !isValidRun(run))) continue;
    if ((run.config !== config && run.config !== baseline) || (options.rateRps !== undefined && run.offeredRps !== options.rateRps)) continue;
    const entry = byPair.get(run.pair) ?? {};
    if (run.config === config) entry.run = run;
    else entry.base = run;
    byPair.set(run.pair, entry);
  }
  return [...byPair.entries()].filter(([, e]) => e.run && e.base).sort(([a], [b]) => a - b)
    .map(([pair, e]) => ({ pair, round: e.run!.round, share: shareOf(e.run!), baselineShare: shareOf(e.base!), run: e.run!, baselineRun: e.base! }));
}

/**
 * Requests fail in bursts (a heap threshold crossed, a pool run dry), so counting each request as independent
 * overstates the evidence. A change must therefore clear a strict one-sided z (p < 0.0005 on the pooled counts) and be at
 * least FAILED_SHARE_TOLERANCE (1 point) above the baseline; the per-pair CI is reported beside it.
 */
const MIN_Z = 3.29;

/** Configs whose requests failed where the baseline's did not, each with its headline. */
export function behaviourChanges(runs: readonly RunSample[], configs: readonly string[], baseline: string, rateRps?: number): BehaviourChange[] {
  return configs.filter((config) => config !== baseline).flatMap((config) => {
    const pairs = failurePairs(runs, config, baseline, { rateRps });
    if (pairs.length === 0) return [];
    const sent = sum(pairs.map((p) => p.run.load.sent));
    const baseSent = sum(pairs.map((p) => p.baselineRun.load.sent));
    const failed = sum(pairs.map((p) => failedRequests(p.run.load)));
    const baseFailed = sum(pairs.map((p) => failedRequests(p.baselineRun.load)));
    const share = failed / Math.max(1, sent);
    const baseShare = baseFailed / Math.max(1, baseSent);
    if (share - baseShare < FAILED_SHARE_TOLERANCE || twoProportionZ(failed, sent, baseFailed, baseSent) < MIN_Z) return [];
    const routes: Record<string, Record<string, number>> = {};
    const failures: Record<string, number> = {};
    for (const { run } of pairs) {
      for (const [route, kinds] of Object.entries(run.load.failedByRoute ?? {})) {
        for (const [kind, n] of Object.entries(kinds)) {
          (routes[route] ??= {})[kind] = (routes[route]![kind] ?? 0) + n;
          failures[kind] = (failures[kind] ?? 0) + n;
        }
      }
    }
    const differences = pairs.map((p) => p.share - p.baselineShare);
    return [{
      config,
      failedShare: share,
      baselineFailedShare: baseShare,
      pairs: pairs.length,
      difference: mean(differences),
      ...(pairs.length >= 2 ? { ci: tInterval(differences) } : {}),
      failures,
      routes,
      finding: `${config}: ${headlineOf({ failedShare: share, baselineFailedShare: baseShare, failures })}`,
    }];
  });
}

/** Routes that failed beyond the tolerance for every config that was measured, the baseline included. */
export function brokenRoutes(runs: readonly RunSample[], rateRps?: number): BrokenRoute[] {
  const measured = runs.filter((run): run is MeasuredRun => run.status === 'measured' && (rateRps === undefined || run.offeredRps === rateRps));
  const configs = [...new Set(measured.map((run) => run.config))];
  const routes = new Set(measured.flatMap((run) => Object.keys(run.load.failedByRoute ?? {})));
  const tally = (route: string, of: readonly MeasuredRun[]) => {
    const failures: Record<string, number> = {};
    let answered = 0;
    for (const run of of) {
      const failed = run.load.failedByRoute?.[route] ?? {};
      for (const [kind, n] of Object.entries(failed)) failures[kind] = (failures[kind] ?? 0) + n;
      // Timeouts and socket errors have no status: they count as attempts beside the answered requests.
      answered += sum(Object.values(run.load.statusByRoute[route] ?? {})) + (failed.timeout ?? 0) + (failed['socket error'] ?? 0);
    }
    return { failures, share: sum(Object.values(failures)) / Math.max(1, answered) };
  };
  return [...routes].sort().flatMap((route) => {
    const everyConfig = configs.every((config) => tally(route, measured.filter((run) => run.config === config)).share > FAILED_SHARE_TOLERANCE);
    if (!everyConfig) return [];
    const all = tally(route, measured);
    return [{ route, failures: all.failures, failedShare: all.share }];
  });
}

/** "22.5% of requests answered 503 (baseline 0.0%): the app shed load …": a behaviour change without its config. */
export function headlineOf(change: Pick<BehaviourChange, 'failedShare' | 'baselineFailedShare' | 'failures'>): string {
  return `${percent(change.failedShare)} of requests ${failedWith(change.failures)} (baseline ${percent(change.baselineFailedShare)})${why(change.failures)}`;
}

export function brokenRouteText(route: BrokenRoute): string {
  const kinds = Object.entries(route.failures).sort(([, a], [, b]) => b - a).map(([kind, n]) => `${n}× ${kind}`).join(', ');
  return `${route.route} failed ${percent(route.failedShare)} of the time for every config, the baseline too (${kinds}): a scenario error; check its path, ` +
    'method, body, headers and expectStatus';
}

function twoProportionZ(failed: number, sent: number, baseFailed: number, baseSent: number): number {
  const pooled = (failed + baseFailed) / Math.max(1, sent + baseSent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / Math.max(1, sent) + 1 / Math.max(1, baseSent)));
  return se > 0 ? (failed / sent - baseFailed / baseSent) / se : 0;
}

const sum = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** "answered 503", "timed out", or "failed (503 ×900, timeout ×40)" when no one kind is nine in ten. */
function failedWith(failures: Record<string, number>): string {
  const sorted = Object.entries(failures).sort(([, a], [, b]) => b - a);
  const total = sum(sorted.map(([, n]) => n));
  const [top, count] = sorted[0] ?? ['', 0];
  if (count >= 0.9 * total) return top === 'timeout' ? 'timed out' : top === 'socket error' ? 'lost their connection' : `answered ${top}`;
  return `failed (${sorted.map(([kind, n]) => `${kind} ×${n}`).join(', ')})`;
}

/** What the commonest failure usually means in a Fastify service. */
function why(failures: Record<string, number>): string {
  const top = Object.entries(failures).sort(([, a], [, b]) => b - a)[0]?.[0] ?? '';
  if (top === '503') return ': the app shed load (e.g. @fastify/under-pressure past its heap or event-loop limit)';
  if (top === '429') return ': the app rate-limited it';
  if (top === 'timeout') return ': requests took longer than workload.requestTimeout';
  if (top === 'socket error') return ': connections were refused or reset';
  if (top.startsWith('5')) return ': the app answered with server errors';
  if (top.startsWith('4')) return ': the app refused requests it accepts without the agent';
  return '';
}
