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
