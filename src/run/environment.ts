import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
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

function hasTaskset(): boolean {
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
