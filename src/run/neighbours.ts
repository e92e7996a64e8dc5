import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { onCleanup } from '../cleanup.js';
import { parseAffinityList } from './procfs.js';

/** What the session did with one named neighbour (target.neighbours): a database server, a cache, a sidecar. */
export interface NeighbourRecord {
  /** The process name as /proc/<pid>/comm has it ("postgres", "mariadbd", "redis-server"). */
  name: string;
  /** Processes of that name found when the session started. */
  processes: number;
  moved: boolean;
  note: string;
}

export interface NeighbourMove {
  records: NeighbourRecord[];
  /** Puts every process of those names (those forked since included) back on the CPUs it had; safe to call twice. */
  restore(): void;
}

/** The pids whose /proc/<pid>/comm is `name`, this process excluded. */
function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

function affinityOf(pid: number): string | undefined {
  try {
    return parseAffinityList(execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

/** Every thread of `pid` (-a) onto `cpus`; false when the process is gone or not ours to move. */
function setAffinity(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves the named neighbours off the target CPU, onto the load generator's, for the session. A database the app queries
 * does its work when the app does: on the target CPU it preempts the pair and takes cache, and the spread grows (the
 * runs' neighbourCpuPercent shows how much). Each process's own affinity is put back at the end, or at exit however
 * apm-bench exits; processes forked meanwhile (a PostgreSQL backend per connection) inherit the move, and are put back
 * to their parent's.
 */
export function moveNeighbours(names: readonly string[], pinning: { enabled: boolean; loadGeneratorCpus?: string }): NeighbourMove {
  const original = new Map<number, string>();
  const byName = new Map<string, string>();
  const records = names.map((name): NeighbourRecord => {
    const pids = pidsNamed(name);
    if (!pids.length) return { name, processes: 0, moved: false, note: `no process named "${name}" is running (the name in /proc/<pid>/comm, as ps -e shows it)` };
    if (!pinning.enabled || !pinning.loadGeneratorCpus) {
      return { name, processes: pids.length, moved: false, note: 'not moved: the session is not pinned (one CPU, pinCpus: false or --no-pin)' };
    }
    let moved = 0;
    for (const pid of pids) {
      const cpus = affinityOf(pid);
      if (cpus === undefined || !setAffinity(pid, pinning.loadGeneratorCpus)) continue;
      original.set(pid, cpus);
      if (!byName.has(name)) byName.set(name, cpus);
      moved += 1;
    }
    if (!moved) return { name, processes: pids.length, moved: false, note: 'not moved: taskset was refused (moving another user\'s process needs root or CAP_SYS_NICE)' };
    return { name, processes: pids.length, moved: true, note: `${moved} of ${pids.length} moved to CPU ${pinning.loadGeneratorCpus}, off the target CPU, for the session` };
  });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const [name, cpus] of byName) {
      for (const pid of pidsNamed(name)) setAffinity(pid, original.get(pid) ?? cpus);
    }
  };
  if (byName.size) onCleanup(restore);
  return { records, restore };
}
