/**
 * Preloaded (--require) into the target in every config, the baseline included,
 * so its small cost cancels out of every comparison. It measures what only the
 * target's own process can see (event-loop utilisation and delay, GC pauses,
 * heap) and answers the runner over a Unix socket, as JSON lines:
 *   runner → probe: {"type":"mark"} | {"type":"collect"}
 *   probe → runner: {"type":"hello",...} | {"type":"stats",...}
 */
import fs = require('node:fs');
import net = require('node:net');
import perfHooks = require('node:perf_hooks');

const socketPath = process.env.APM_BENCH_PROBE;
// Children of the target (workers, wrappers) must not report as the target.
delete process.env.APM_BENCH_PROBE;

if (socketPath) {
  const { performance, monitorEventLoopDelay, PerformanceObserver } = perfHooks;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();

  let gcPauseMs = 0;
  let gcCount = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauseMs += entry.duration;
      gcCount += 1;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  /** The process group (field 5 of /proc/self/stat), so the runner can tell two targets started side by side apart. */
  const processGroup = () => {
    try {
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    } catch {
      return undefined;
    }
  };

  let markedAtMs = performance.now();
  let eluMark = performance.eventLoopUtilization();
  let cpuMark = process.cpuUsage();
  let heapPeak = 0;
  const heapSampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 250);
  heapSampler.unref();

  const socket = net.connect(socketPath);
  socket.unref();
  socket.on('error', () => { /* the runner went away; the target must not care */ });
  const send = (message: object) => socket.write(`${JSON.stringify(message)}\n`);

  socket.on('connect', () => {
    send({ type: 'hello', pid: process.pid, pgrp: processGroup(), node: process.version, execArgv: process.execArgv });
  });

  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let command: { type?: string };
      try { command = JSON.parse(line); } catch { continue; }
      if (command.type === 'mark') {
        // The CPU window's edges: cpuUsage is µs and covers every thread of the process.
        cpuMark = process.cpuUsage();
        markedAtMs = performance.now();
        eluMark = performance.eventLoopUtilization();
        delay.reset();
        gcPauseMs = 0;
        gcCount = 0;
        heapPeak = process.memoryUsage().heapUsed;
        send({ type: 'marked' });
      } else if (command.type === 'collect') {
        const cpu = process.cpuUsage(cpuMark);
        const elapsedMs = performance.now() - markedAtMs;
        const elu = performance.eventLoopUtilization(eluMark);
        const memory = process.memoryUsage();
        send({
          type: 'stats',
          pid: process.pid,
          eventLoopUtilization: elu.utilization,
          eventLoopDelayUs: {
            p50: delay.percentile(50) / 1000,
            p99: delay.percentile(99) / 1000,
            max: delay.max / 1000,
            mean: Number.isNaN(delay.mean) ? 0 : delay.mean / 1000,
          },
          gcPauseMsTotal: gcPauseMs,
          gcCount,
          heapUsedBytes: memory.heapUsed,
          heapPeakBytes: Math.max(heapPeak, memory.heapUsed),
          externalBytes: memory.external,
          processCpuUserUs: cpu.user,
          processCpuSystemUs: cpu.system,
          elapsedMs,
        });
      }
    }
  });
}
