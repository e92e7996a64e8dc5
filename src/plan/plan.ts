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
 * One round. Co-scheduled: a pair per candidate config and rate, in a seeded
 * random order; the candidate's slot alternates between rounds and between
 * neighbouring configs, so start order and send order are balanced. Sequential:
 * every config once per rate, in a seeded random order, all runs at one rate
 * sharing a pair id (each config is compared with that rate's baseline run).
 */
export function planRound(input: RoundPlanInput): PlannedUnit[] {
  const { design, configs, baseline, ratesRps, round, seed } = input;
  const roundSeed = (seed + Math.imul(round + 1, 0x9e3779b1)) >>> 0;
  const units: PlannedUnit[] = [];
  if (design === 'co-scheduled') {
    const candidates = configs.filter((name) => name !== baseline);
    const cells = candidates.flatMap((config, configIndex) => ratesRps.map((rateRps, rateIndex) => ({ config, configIndex, rateRps, rateIndex })));
    for (const cell of seededShuffle(cells, roundSeed)) {
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
  for (const cell of seededShuffle(cells, roundSeed)) {
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

/** Pair ids one round uses: one per unit (co-scheduled), or one per rate (sequential). */
export function pairsPerRound(design: Design, candidates: number, rates: number): number {
  return design === 'co-scheduled' ? candidates * rates : rates;
}
