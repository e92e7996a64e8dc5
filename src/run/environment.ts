import { execFileSync } from 'node:child_process';
import { cpus, getPriority, hostname, loadavg, platform, release, setPriority, totalmem } from 'node:os';
import { adapters } from '../instrument/registry.js';
import { resolvePackageVersion } from '../instrument/resolve-agent.js';

/** Packages whose versions decide what is measured: the app's framework and drivers, every agent, the generators. */
export const keyPackages = ['fastify', 'pg', 'ioredis', ...adapters.flatMap((adapter) => adapter.packages), 'undici', 'autocannon'];

export function packageVersions(dirs: string[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of keyPackages) {
    for (const dir of dirs) {
      const found = resolvePackageVersion(name, dir);
      if (found) { versions[name] = found.version; break; }
    }
  }
  return versions;
}

export function machineFacts() {
  const cpuList = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    kernel: release(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryBytes: totalmem(),
    nodeVersion: process.version,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * On a machine with more than one CPU, the target gets CPU 0 and this process
 * (the load generator) the rest, so they do not fight for the same core.
 */
export function pinCpus(wanted: boolean): { enabled: boolean; targetCpus?: string; loadGeneratorCpus?: string; note: string } {
  const count = cpus().length;
  if (!wanted) return { enabled: false, note: 'not pinned (pinCpus: false, or --no-pin)' };
  if (count < 2) return { enabled: false, note: 'one CPU only: target and load generator share it' };
  if (!hasTaskset()) return { enabled: false, note: 'taskset not found (Debian package util-linux): not pinned' };
  const loadGeneratorCpus = count === 2 ? '1' : `1-${count - 1}`;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', loadGeneratorCpus, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return { enabled: false, note: 'taskset could not pin this process: not pinned' };
  }
  return { enabled: true, targetCpus: '0', loadGeneratorCpus, note: `target on CPU 0, load generator on CPU ${loadGeneratorCpus}` };
}

/** How many nice steps the load generator runs above the targets, where the OS allows it. */
const GENERATOR_NICE_BOOST = 5;

export interface PriorityRecord {
  applied: boolean;
  /** The load generator's (and intakes') nice value, and the targets'. */
  generatorNice: number;
  targetNice: number;
  note: string;
}

/**
 * Raise this thread (the load generator's: it sends every request, and its ticker thread is created from it later)
 * GENERATOR_NICE_BOOST steps above the default, so a neighbour at the default priority yields the CPU to the schedule.
 * Linux nice is per thread and inherited: targets start through `nice -n BOOST` to get back to where they were.
 */
export function raiseGeneratorPriority(): PriorityRecord {
  const before = getPriority(0);
  try {
    setPriority(0, before - GENERATOR_NICE_BOOST);
  } catch {
    const note = `not raised (needs root or CAP_SYS_NICE): the load generator runs at nice ${before}, as the targets and their neighbours do`;
    return { applied: false, generatorNice: before, targetNice: before, note };
  }
  return {
    applied: true, generatorNice: before - GENERATOR_NICE_BOOST, targetNice: before,
    note: `load generator and intakes at nice ${before - GENERATOR_NICE_BOOST}, targets at ${before}: a neighbour at the default priority yields to the schedule`,
  };
}

/** Back to the priority the thread had before the session (calibrate and bisect run several in one process). */
export function restoreGeneratorPriority(record: PriorityRecord | undefined): void {
  if (record?.applied) setPriority(0, record.targetNice);
}
