/**
 * The open-loop generator's clock, in a worker thread. Node's timers fire up
 * to a millisecond late, which would swamp sub-millisecond latencies measured
 * from the intended send time. This thread sleeps in Atomics.wait (a futex,
 * no CPU) until each intended time and posts the tick; the main thread sends
 * the requests and never blocks, so responses are timed as they arrive.
 *
 *   main → worker: { t0Ms, rateRps, count, arrival: 'constant' | 'poisson' | 'burst', seed, sides, stop: Int32Array }
 *   worker → main: [index, intendedMs, side] per send, then [-1, 0, 0] at the end.
 * Times are process.hrtime in milliseconds (one monotonic clock for all threads).
 */
import { parentPort } from 'node:worker_threads';
import { seededRandom } from '../random.js';
import type { Arrival } from '../samples/runs.js';

interface Schedule {
  t0Ms: number;
  rateRps: number;
  count: number;
  arrival: Arrival;
  seed: number;
  /**
   * Sides driven from this schedule. Every side gets the same arrivals at the
   * same instants, and the side sent first rotates on every tick. (Measured
   * here: offsetting the sides by half an interval instead made the side on
   * the beat read ~3% more CPU, and doubled the spread of A/A ratios.)
   */
  sides: number;
  /** [0] is set to 1 (and notified) by the main thread to stop early. */
  stop: Int32Array;
}

function nowMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/**
 * The profiling pass sends its requests in groups at the same mean rate: V8's sampler loses about one
 * interval (~140 µs on this VM) after every wake from idle, which is most of a request that arrives alone.
 */
export const BURST = 25;

// Futex wake-ups land within ~50 µs; the last stretch is re-checked so a tick is never early.
const EARLY_WAKE_MS = 0.05;

/** Every (intended time, request index, side) of one phase, in time order. */
function ticks(schedule: Schedule): Array<[number, number, number]> {
  const intervalMs = 1000 / schedule.rateRps;
  const next = seededRandom(schedule.seed);
  const out: Array<[number, number, number]> = [];
  let arrival = schedule.t0Ms;
  for (let index = 0; index < schedule.count; index += 1) {
    if (schedule.arrival === 'burst') arrival = schedule.t0Ms + Math.floor(index / BURST) * BURST * intervalMs;
    else if (index > 0) arrival += schedule.arrival === 'poisson' ? -Math.log(1 - next()) * intervalMs : intervalMs;
    // Same instant for every side; who goes first rotates on every tick.
    for (let k = 0; k < schedule.sides; k += 1) out.push([arrival, index, (index + k) % schedule.sides]);
  }
  return out;
}

function run(schedule: Schedule): void {
  const port = parentPort!;
  for (const [due, index, side] of ticks(schedule)) {
    for (;;) {
      if (Atomics.load(schedule.stop, 0) !== 0) {
        port.postMessage([-1, 0, 0]);
        return;
      }
      const left = due - nowMs();
      if (left <= 0.01) break;
      Atomics.wait(schedule.stop, 0, 0, left > 4 * EARLY_WAKE_MS ? left - EARLY_WAKE_MS : left);
    }
    port.postMessage([index, due, side]);
  }
  port.postMessage([-1, 0, 0]);
}

parentPort?.on('message', (schedule: Schedule) => run(schedule));
