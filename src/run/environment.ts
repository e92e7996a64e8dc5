import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/** Packages whose versions decide what is measured. */
export const keyPackages = ['fastify', 'pg', 'ioredis', 'dd-trace', '@sentry/node', 'prom-client', '@opentelemetry/sdk-node', 'autocannon'];

/** The version of `name` that Node would load from `fromDir` (walking up node_modules). */
export function resolvePackageVersion(name: string, fromDir: string): { version: string; dir: string } | undefined {
  let dir = fromDir;
  for (;;) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      try {
        return { version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, dir: dirname(manifest) };
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

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
  if (!wanted) return { enabled: false, note: 'pinning disabled by the scenario (pinCpus: false)' };
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
