import type { ChildProcess } from 'node:child_process';
import { onCleanup } from '../cleanup.js';

/**
 * Every process group we started. Targets are spawned detached (their own
 * group) so a whole tree — node, wrappers, whatever the app forks — dies with
 * one kill. The exit hook is a last line of defence against orphans.
 */
const liveGroups = new Set<number>();

export function trackGroup(pid: number): void {
  liveGroups.add(pid);
}

export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, then SIGKILL whatever is left after `graceMs`. */
export async function killGroup(child: ChildProcess, graceMs = 2000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  signalGroup(pid, 'SIGTERM');
  // A paused (SIGSTOPped) group handles SIGTERM only once it runs again.
  signalGroup(pid, 'SIGCONT');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  await Promise.race([exited, timer]);
  // Even when the leader exited, stragglers in its group get no second chance.
  signalGroup(pid, 'SIGKILL');
  untrackGroup(pid);
}

export function killAllGroupsNow(): void {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

// On exit, and on a signal no command handles (src/cleanup.ts).
onCleanup(killAllGroupsNow);
