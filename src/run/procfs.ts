import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second for /proc/<pid>/stat times (almost always 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface CpuTimes {
  userMs: number;
  systemMs: number;
}

/** utime + stime of one process from /proc/<pid>/stat. */
export function readCpuTimes(pid: number): CpuTimes {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicksPerSecond());
}

export function parseProcStat(stat: string, ticksPerSecond: number): CpuTimes {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { userMs: (utime * 1000) / ticksPerSecond, systemMs: (stime * 1000) / ticksPerSecond };
}

export interface MemoryStatus {
  rssBytes: number;
  /** Peak resident set size over the process's life (VmHWM). */
  rssPeakBytes: number;
}

export function readMemoryStatus(pid: number): MemoryStatus {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export function parseProcStatus(status: string): MemoryStatus {
  const kb = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { rssBytes: kb('VmRSS'), rssPeakBytes: kb('VmHWM') };
}

export interface CpuClock {
  /** All time on the given CPUs, in ticks. */
  totalTicks: number;
  stealTicks: number;
  /** Time some process ran on them (user, nice, system, irq, softirq), in ticks: not idle, iowait or steal. */
  busyTicks: number;
}

/** Sum of the /proc/stat lines of the given CPUs (e.g. "0" or "0-1,3"); all CPUs when none are given. */
export function readCpuClock(cpuList?: string): CpuClock {
  return parseProcStatCpus(readFileSync('/proc/stat', 'utf8'), cpuList);
}

export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (to === undefined) return [from!];
    return Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
  });
}

export function parseProcStatCpus(stat: string, cpuList?: string): CpuClock {
  const wanted = cpuList ? new Set(parseCpuList(cpuList).map((n) => `cpu${n}`)) : new Set(['cpu']);
  let totalTicks = 0;
  let stealTicks = 0;
  let busyTicks = 0;
  for (const line of stat.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(fields[0]!)) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const values = fields.slice(1, 9).map(Number);
    totalTicks += values.reduce((sum, v) => sum + v, 0);
    stealTicks += values[7] ?? 0;
    busyTicks += [0, 1, 2, 5, 6].reduce((sum, i) => sum + (values[i] ?? 0), 0);
  }
  return { totalTicks, stealTicks, busyTicks };
}

/**
 * Percent of the target CPUs' time that processes other than the targets ran there during a window: a database, a
 * build, another test. The targets' own time (/proc/<pid>/stat, the same 10 ms ticks) is taken out; ±2 ticks of error.
 */
export function neighbourCpuPercent(before: CpuClock, after: CpuClock, targetsTicks: number): number {
  const total = after.totalTicks - before.totalTicks;
  if (total <= 0) return 0;
  return Math.max(0, (100 * (after.busyTicks - before.busyTicks - targetsTicks)) / total);
}

/** Percent of the CPUs' time the hypervisor stole between two readings. */
export function stealPercent(before: CpuClock, after: CpuClock): number {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? (100 * (after.stealTicks - before.stealTicks)) / total : 0;
}

/** The inodes of the sockets listening on a TCP port (state 0A in /proc/net/tcp and tcp6; the port is hex in local_address). */
export function parseListeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return table.split('\n').slice(1).map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9 && fields[1]!.endsWith(`:${hexPort}`) && fields[3] === '0A').map((fields) => fields[9]!);
}

/**
 * The pids, among `candidates`, that hold a socket listening on `port`: which process a start command left serving
 * the app. Linux only; empty where /proc cannot tell.
 */
export function listeningPids(port: number, candidates: readonly number[]): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of parseListeningInodes(readFileSync(table, 'utf8'), port)) inodes.add(`socket:[${inode}]`);
    } catch { /* no such table here */ }
  }
  return candidates.filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/** Every pid in a process group (field 5 of /proc/<pid>/stat). */
export function processGroupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

/** taskset -c -p's "pid 812's current affinity list: 0,1" → "0,1". */
export function parseAffinityList(output: string): string | undefined {
  return /affinity list:\s*(\S+)/.exec(output)?.[1];
}
