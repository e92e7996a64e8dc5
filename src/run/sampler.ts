import type { TimelinePoint } from '../samples/result.js';
import { readCpuTimes, readMemoryStatus } from './procfs.js';

/**
 * RSS and CPU% of one process from /proc, twice a second, during a window:
 * the mean RSS of a run and its timeline. Reading /proc costs the target nothing.
 */
export class ProcessSampler {
  readonly points: TimelinePoint[] = [];
  private readonly rss: number[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly startedMs = Date.now();
  private lastCpuMs: number | undefined;
  private lastMs = Date.now();

  constructor(private readonly pid: number, intervalMs = 500) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    try {
      const { rssBytes } = readMemoryStatus(this.pid);
      const cpu = readCpuTimes(this.pid);
      const cpuMs = cpu.userMs + cpu.systemMs;
      const now = Date.now();
      const cpuPercent = this.lastCpuMs === undefined || now === this.lastMs ? 0 : (100 * (cpuMs - this.lastCpuMs)) / (now - this.lastMs);
      this.lastCpuMs = cpuMs;
      this.lastMs = now;
      if (rssBytes > 0) this.rss.push(rssBytes);
      this.points.push({ tMs: now - this.startedMs, cpuPercent: Math.round(cpuPercent * 10) / 10, rssBytes });
    } catch {
      // The process is gone; the crash is reported elsewhere.
    }
  }

  stop(): { rssMeanBytes: number; timeline: TimelinePoint[] } {
    clearInterval(this.timer);
    this.sample();
    const rssMeanBytes = this.rss.length ? this.rss.reduce((sum, v) => sum + v, 0) / this.rss.length : 0;
    return { rssMeanBytes, timeline: this.points };
  }
}
