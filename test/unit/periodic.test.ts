/**
 * Whole-period windows, by seeded simulation: lumps of known size every P ms at a random phase, and windows starting at
 * random times. A window of whole periods holds exactly W/P lumps, so it reads the lumps' mean cost without bias and
 * without spread; a window of 1.5 periods holds 1 or 2, so it spreads, and at a phase tied to the window's start (a
 * timer started with the target, a window a fixed time after) it is biased too, as bench/periodic.mjs measured.
 */
import { describe, expect, it } from 'vitest';
import { wholePeriodsMs } from '../../src/plan/plan.js';
import { seededRandom } from '../../src/random.js';

/** Lumps that fall in [startMs, startMs + windowMs): a timer firing at phaseMs + k × periodMs. */
function lumpsIn(startMs: number, windowMs: number, periodMs: number, phaseMs: number): number {
  const first = Math.ceil((startMs - phaseMs) / periodMs);
  const last = Math.ceil((startMs + windowMs - phaseMs) / periodMs) - 1;
  return Math.max(0, last - first + 1);
}

function readings(windowMs: number, periodMs: number, lumpMs: number, phase: () => number, seed: number): number[] {
  const random = seededRandom(seed);
  // Each window's lump CPU per second of window, 10,000 windows.
  return Array.from({ length: 10_000 }, () => {
    const start = 3_000 + 1_000 * random();
    return (lumpsIn(start, windowMs, periodMs, phase() * periodMs) * lumpMs) / (windowMs / 1000);
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

describe('whole-period windows (seeded simulation)', () => {
  const periodMs = 1500;
  const lumpMs = 30;
  const truthMsPerS = (lumpMs * 1000) / periodMs; // 20 ms/s

  it('a window of whole periods reads the lumps exactly, whatever the phase: no bias, no spread', () => {
    const windowMs = wholePeriodsMs(2000, [periodMs]);
    expect(windowMs).toBe(3000);
    const random = seededRandom(11);
    const read = readings(windowMs, periodMs, lumpMs, random, 12);
    expect(Math.min(...read)).toBe(truthMsPerS);
    expect(Math.max(...read)).toBe(truthMsPerS);
  });

  it('control: the same simulation in 1.5-period windows (no period declared) spreads, and is biased at a phase tied to the start', () => {
    expect(wholePeriodsMs(2000, [])).toBe(2000);
    const random = seededRandom(21);
    const free = readings(2000, periodMs, lumpMs, random, 22);
    // 1 or 2 lumps in 2 s: 15 or 30 ms/s, two thirds 1 lump… mean 20 ms/s within its standard error.
    expect(Math.abs(mean(free) - truthMsPerS)).toBeLessThan(4 * sd(free) / Math.sqrt(free.length));
    expect(sd(free)).toBeGreaterThan(0.2 * truthMsPerS);
    // The timer starts with the target and the window opens about 3.5 s later: the phase against the window is nearly
    // fixed, and the lumps read high (or low) in every window of the session.
    const tied = readings(2000, periodMs, lumpMs, () => 0.1, 23);
    const tiedMean = mean(tied);
    expect(Math.abs(tiedMean - truthMsPerS)).toBeGreaterThan(0.05 * truthMsPerS);
  });
});
