import { seededRandom } from '../random.js';
import type { Design, Side } from '../samples/result.js';

/** One target process in a planned unit. */
export interface PlannedRun {
  config: string;
  side: Side;
  /** Co-scheduled: slot 0 starts first and sends first on every tick. */
  slot: 0 | 1;
}

/**
 * What runs at once: a co-scheduled pair (baseline and candidate side by side)
 * or, in the sequential design, one target alone.
 */
export interface PlannedUnit {
  /** Position in the session. */
  index: number;
  round: number;
  /** Runs compared with each other share it: the pair, or (sequential) the block at this rate. */
  pair: number;
  rateRps: number;
  runs: PlannedRun[];
}

/** Fisher–Yates with a seed: the same seed replays the same order. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A Williams design: orders of n treatments in which every treatment follows
 * every other exactly once (n even, n rows) or twice (n odd, 2n rows), and
 * sits in every position equally often. Linear drift and first-order
 * carry-over (a config running right after a heavy one) then cancel over the
 * rows instead of always favouring the same config.
 */
export function williamsOrders(n: number): number[][] {
  if (n <= 1) return [[0].slice(0, n)];
  const first = [0];
  for (let low = 1, high = n - 1, takeLow = true; first.length < n; takeLow = !takeLow) first.push(takeLow ? low++ : high--);
  const rows = Array.from({ length: n }, (_, r) => first.map((x) => (x + r) % n));
  return n % 2 ? [...rows, ...rows.map((row) => [...row].reverse())] : rows;
}

export interface RoundPlanInput {
  design: Design;
  configs: readonly string[];
  baseline: string;
  ratesRps: readonly number[];
  round: number;
  seed: number;
  /** Index of the first unit (units already run). */
  firstUnit: number;
  /** Pair ids already used. */
  firstPair: number;
}

/**
 * The order of `cells` in `round`: rows of a Williams design over them (their
 * labels shuffled once per session by the seed), each row followed by its
 * mirror image. Every two rounds each cell's mean position is the middle, so a
 * linear drift within rounds cancels after any even number of rounds, not only
 * after a full cycle; over the rows, carry-over from any neighbour balances too.
 */
export function balancedOrder<T>(cells: readonly T[], round: number, seed: number): T[] {
  const labels = seededShuffle(cells, seed);
  const rows = williamsOrders(labels.length);
  const row = rows[Math.floor(round / 2) % rows.length]!;
  return (round % 2 ? [...row].reverse() : row).map((i) => labels[i]!);
}

/**
 * One round. Co-scheduled: a pair per candidate config and rate; the
 * candidate's slot alternates between rounds and between neighbouring
 * configs, so start order and send order are balanced. Sequential: every
 * config once per rate, all runs at one rate sharing a pair id (each config
 * is compared with that rate's baseline run). In both, the order within a
 * round comes from `balancedOrder`, so drift and carry-over balance out over
 * rounds; the seed is recorded in the result.
 */
export function planRound(input: RoundPlanInput): PlannedUnit[] {
  const { design, configs, baseline, ratesRps, round, seed } = input;
  const units: PlannedUnit[] = [];
  if (design === 'co-scheduled') {
    const candidates = configs.filter((name) => name !== baseline);
    const cells = candidates.flatMap((config, configIndex) => ratesRps.map((rateRps, rateIndex) => ({ config, configIndex, rateRps, rateIndex })));
    for (const cell of balancedOrder(cells, round, seed)) {
      const candidateSlot = ((round + cell.configIndex + cell.rateIndex) % 2) as 0 | 1;
      const runs: PlannedRun[] = [
        { config: baseline, side: 'baseline', slot: (1 - candidateSlot) as 0 | 1 },
        { config: cell.config, side: 'candidate', slot: candidateSlot },
      ].sort((a, b) => a.slot - b.slot) as PlannedRun[];
      units.push({ index: input.firstUnit + units.length, round, pair: input.firstPair + units.length, rateRps: cell.rateRps, runs });
    }
    return units;
  }
  const cells = configs.flatMap((config) => ratesRps.map((rateRps, rateIndex) => ({ config, rateRps, rateIndex })));
  for (const cell of balancedOrder(cells, round, seed)) {
    units.push({
      index: input.firstUnit + units.length,
      round,
      pair: input.firstPair + cell.rateIndex,
      rateRps: cell.rateRps,
      runs: [{ config: cell.config, side: cell.config === baseline ? 'baseline' : 'candidate', slot: 0 }],
    });
  }
  return units;
}

/** Longest window the whole-periods rule may stretch to, against the scenario's own: beyond it, the window is left as it is. */
export const MAX_PERIOD_STRETCH = 3;

/**
 * The window a unit measures: the scenario's duration, rounded up to a whole number of its configs' periodic work
 * (their least common multiple, in whole ms). A window of k periods holds exactly k flushes whatever its phase; one
 * of 1.5 periods holds 1 or 2, and that count would be noise in the pair. Left as it is when the stretch would pass
 * MAX_PERIOD_STRETCH × the duration (a 60 s harvest against a 3 s window).
 */
export function wholePeriodsMs(durationMs: number, periodsMs: readonly number[]): number {
  const periods = [...new Set(periodsMs.map((p) => Math.round(p)).filter((p) => p > 0))];
  if (periods.length === 0) return durationMs;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = periods.reduce((a, b) => (a / gcd(a, b)) * b);
  const stretched = Math.ceil(durationMs / lcm) * lcm;
  return stretched <= MAX_PERIOD_STRETCH * durationMs ? stretched : durationMs;
}

/** The CPU window of a unit of these configs: the soak's whole duration, or the duration in whole periods of their work. */
export function unitWindowMs(workload: { duration: number; soak?: { duration: number } }, configs: ReadonlyArray<{ periodsMs?: number[] }>): number {
  return workload.soak?.duration ?? wholePeriodsMs(workload.duration, configs.flatMap((c) => c.periodsMs ?? []));
}

/** Pair ids one round uses: one per unit (co-scheduled), or one per rate (sequential). */
export function pairsPerRound(design: Design, candidates: number, rates: number): number {
  return design === 'co-scheduled' ? candidates * rates : rates;
}
