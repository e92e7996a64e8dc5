import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
  for (const line of stat.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(fields[0]!)) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const values = fields.slice(1, 9).map(Number);
    totalTicks += values.reduce((sum, v) => sum + v, 0);
    stealTicks += values[7] ?? 0;
  }
  return { totalTicks, stealTicks };
}

/** Percent of the CPUs' time the hypervisor stole between two readings. */
export function stealPercent(before: CpuClock, after: CpuClock): number {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? (100 * (after.stealTicks - before.stealTicks)) / total : 0;
}
