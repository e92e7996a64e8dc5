import { describe, expect, it } from 'vitest';
import { behaviourChanges, brokenRoutes } from '../../src/analysis/behaviour.js';
import { judgeBudgets, parseErrorBudget } from '../../src/analysis/budgets.js';
import type { MeasuredRun } from '../../src/samples/result.js';
import { measured } from '../samples.js';

/** A window of 1000 requests with `failures` (kind → count) on GET /json, and the rest answered 200. */
function window(pair: number, config: string, failures: Record<string, number> = {}, route = 'GET /json'): MeasuredRun {
  const failed = Object.values(failures).reduce((s, n) => s + n, 0);
  const statuses = Object.fromEntries(Object.entries(failures).filter(([kind]) => /^\d+$/.test(kind)));
  const run = measured(pair, config, 1);
  return {
    ...run,
    load: {
      ...run.load,
      sent: 1000,
      statusCounts: { 200: 1000 - failed, ...statuses },
      statusByRoute: { [route]: { 200: 1000 - failed, ...statuses } },
      failedByRoute: failed ? { [route]: failures } : {},
      unexpectedStatuses: Object.values(statuses).reduce((s, n) => s + n, 0),
      timeouts: failures.timeout ?? 0,
    },
  };
}

describe('behaviour changes', () => {
  it('names a config that sheds load with 503s against a baseline that does not, with the hand-computed shares', () => {
    const runs = [0, 1, 2].flatMap((pair) => [window(pair, 'none'), window(pair, 'sentry@1', { 503: 300 + pair * 10 }), window(pair, 'datadog')]);
    const changes = behaviourChanges(runs, ['none', 'sentry@1', 'datadog'], 'none');
    expect(changes).toHaveLength(1);
    const [change] = changes;
    // (300 + 310 + 320) / 3000 = 31%; per-pair differences 0.30, 0.31, 0.32: mean 0.31, SD 0.01, t(2) 4.303 × 0.01/√3.
    expect(change!.failedShare).toBeCloseTo(0.31, 10);
    expect(change!.baselineFailedShare).toBe(0);
    expect(change!.difference).toBeCloseTo(0.31, 10);
    expect(change!.ci!.low).toBeCloseTo(0.31 - (4.302653 * 0.01) / Math.sqrt(3), 5);
    expect(change!.routes).toEqual({ 'GET /json': { 503: 930 } });
    expect(change!.finding).toBe('sentry@1: 31.0% of requests answered 503 (baseline 0.0%): the app shed load (e.g. @fastify/under-pressure past its heap ' +
      'or event-loop limit)');
  });

  it('a blip below a point, or one the baseline shares, is not a change; mixed failures are listed', () => {
    const blip = [0, 1].flatMap((pair) => [window(pair, 'none'), window(pair, 'a', { 503: 8 })]);
    expect(behaviourChanges(blip, ['none', 'a'], 'none')).toEqual([]);
    const shared = [0, 1].flatMap((pair) => [window(pair, 'none', { 500: 50 }), window(pair, 'a', { 500: 55 })]);
    expect(behaviourChanges(shared, ['none', 'a'], 'none')).toEqual([]);
    const mixed = behaviourChanges([window(0, 'none'), window(0, 'a', { 429: 60, timeout: 40 })], ['none', 'a'], 'none');
    expect(mixed[0]!.finding).toBe('a: 10.0% of requests failed (429 ×60, timeout ×40) (baseline 0.0%): the app rate-limited it');
    // One pair: no CI is claimed.
    expect(mixed[0]!.ci).toBeUndefined();
  });

  it('a route that fails for every config is a scenario error, named with its statuses', () => {
    const runs = [0, 1].flatMap((pair) => [window(pair, 'none', { 400: 250 }, 'POST /login'), window(pair, 'a', { 400: 250 }, 'POST /login')]);
    expect(brokenRoutes(runs)).toEqual([{ route: 'POST /login', failures: { 400: 1000 }, failedShare: 0.25 }]);
    // Failing for one config only is that config's behaviour, not the scenario's.
    expect(brokenRoutes([window(0, 'none'), window(0, 'a', { 503: 300 })])).toEqual([]);
  });

  it('errors budgets are points of extra failed requests: fail when clearly over, pass when clearly within', () => {
    expect(parseErrorBudget('+0.5%')).toEqual({ kind: 'absolute', limit: 0.005 });
    expect(parseErrorBudget('0.5')).toMatch(/expected the extra share of failed requests, in points, like "\+0.5%"/);
    const budget = { config: '*', metric: 'errors' as const, kind: 'absolute' as const, limit: 0.005, text: 'errors ≤ +0.5%' };
    const runs = [0, 1, 2].flatMap((pair) => [window(pair, 'none'), window(pair, 'shed', { 503: 300 + pair }), window(pair, 'calm', pair === 1 ? { 503: 1 } : {})]);
    const verdicts = judgeBudgets([budget], ['shed', 'calm'], runs, { baseline: 'none', looks: { rounds: [3], maxRounds: 3 } });
    expect(verdicts.map((v) => [v.config, v.verdict])).toEqual([['shed', 'fail'], ['calm', 'pass']]);
    expect(verdicts[0]!.value).toBeCloseTo(0.301, 10);
  });
});
