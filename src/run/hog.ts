import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, getPriority } from 'node:os';
import { hasTaskset } from './environment.js';
import { killGroup, trackGroup } from './processes.js';
import { readCpuTimes } from './procfs.js';

/**
 * `calibrate --neighbour`'s synthetic neighbour, the same on every machine: one process per CPU, unpinned, at the
 * priority apm-bench was started with (so at the targets', below the load generator's), each busy HOG.busyMs of wall
 * time then asleep HOG.idleMs, about half of every CPU: a parallel build or a second service on the VM. Each
 * busy stretch is wall time, not fixed work: a neighbour that is preempted does less, as a real one would.
 */
export const HOG = { busyMs: 10, idleMs: 10 } as const;

export interface HogSpec {
  processes: number;
  busyMs: number;
  idleMs: number;
}

// Read when apm-bench starts, before a session raises the load generator's thread (children inherit its nice).
const startingNice = getPriority(0);
/** Whether taskset is there, asked once: the hog starts for every pair it runs through. */
let unpinCommand: string[] | undefined;

const HOG_SOURCE = `const [busy, idle] = process.argv.slice(-2).map(Number);
const spin = () => { const end = performance.now() + busy; while (performance.now() < end); setTimeout(spin, idle); };
spin();`;

export function hogSpec(): HogSpec {
  // Every CPU the machine has, not availableParallelism(): this process is pinned to the load generator's.
  return { processes: cpus().length, ...HOG };
}

/** What one run of the neighbour did: how long it ran and the CPU its processes used (/proc, 10 ms ticks). */
export interface HogSpell {
  wallMs: number;
  cpuMs: number;
}

/**
 * Starts the neighbour; the returned stop ends every process of it (and cleanup does, however apm-bench exits) and says
 * what it did.
 */
export function startHog(): () => Promise<HogSpell> {
  const { processes } = hogSpec();
  const children: ChildProcess[] = [];
  // This process is pinned to the load generator's CPUs and its session thread may run at a raised priority: the hog
  // gets every CPU and the starting nice back.
  const increment = Math.max(0, startingNice - getPriority(0));
  unpinCommand ??= hasTaskset() ? ['taskset', '-c', `0-${processes - 1}`] : [];
  const unpin = unpinCommand;
  for (let i = 0; i < processes; i += 1) {
    const argv = [...unpin, 'nice', '-n', String(increment), process.execPath, '-e', HOG_SOURCE, '--', String(HOG.busyMs), String(HOG.idleMs)];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
    // A neighbour that could not start leaves the windows quiet, which the runs' neighbourCpuPercent shows.
    child.on('error', () => {});
    if (child.pid) trackGroup(child.pid);
    children.push(child);
  }
  const startedMs = performance.now();
  return async () => {
    // taskset and nice exec in place: each child's pid is its node process.
    const cpuMs = children.reduce((sum, child) => {
      try {
        const times = readCpuTimes(child.pid!);
        return sum + times.userMs + times.systemMs;
      } catch {
        return sum;
      }
    }, 0);
    const wallMs = performance.now() - startedMs;
    await Promise.all(children.map((child) => killGroup(child, 500)));
    return { wallMs, cpuMs };
  };
}
