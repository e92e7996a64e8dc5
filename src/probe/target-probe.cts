/**
 * Preloaded (--require) into the target in every config, the baseline included,
 * so its small cost cancels out of every comparison. It measures what only the
 * target's own process can see (event-loop utilisation and delay, GC pauses,
 * heap) and answers the runner over a Unix socket, as JSON lines:
 *   runner → probe: {"type":"mark"} | {"type":"collect"} | {"type":"sample"} (soak windows)
 *   probe → runner: {"type":"hello",...} | {"type":"stats",...} | {"type":"sample",...}
 */
import fs = require('node:fs');
import inspector = require('node:inspector');
import net = require('node:net');
import perfHooks = require('node:perf_hooks');
import v8 = require('node:v8');
import vm = require('node:vm');

const socketPath = process.env.APM_BENCH_PROBE;
// The profiling pass: sample the measured window with V8's profiler and write it here (a .cpuprofile).
const profilePath = process.env.APM_BENCH_PROFILE;
const profileIntervalUs = Number(process.env.APM_BENCH_PROFILE_INTERVAL_US ?? 50);
// Children of the target (workers, wrappers) must not report as the target.
delete process.env.APM_BENCH_PROBE;
delete process.env.APM_BENCH_PROFILE;
delete process.env.APM_BENCH_PROFILE_INTERVAL_US;
// V8's profiler gives the time of an inlined function to the function it was inlined into: after priming, an agent's hook
// inlined into node:diagnostics_channel's publish() reads as Node's. Inlining off keeps every sample on its own frame (and
// changes the code's speed: one more reason profiled windows are never in the estimates).
if (profilePath) v8.setFlagsFromString('--no-turbo-inlining');

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
  let windowEnd: NodeJS.Timeout | undefined;
  let windowReading: object | undefined;
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

  // In-process, so exactly the measured window is profiled and the app needs no clean exit to write it.
  let profiler: inspector.Session | undefined;
  const startProfile = () => {
    if (!profilePath) return;
    profiler = new inspector.Session();
    profiler.connect();
    profiler.post('Profiler.enable');
    profiler.post('Profiler.setSamplingInterval', { interval: profileIntervalUs });
    profiler.post('Profiler.start');
  };
  const stopProfile = (done: (file?: string) => void) => {
    if (!profiler) return done();
    const session = profiler;
    profiler = undefined;
    session.post('Profiler.stop', (error, result) => {
      let file: string | undefined;
      if (!error && result?.profile) {
        fs.writeFileSync(profilePath!, JSON.stringify(result.profile));
        file = profilePath;
      }
      session.disconnect();
      done(file);
    });
  };

  // Soak samples read memory right after a full GC, so garbage that happens to be waiting is not read as growth.
  let gc: (() => void) | undefined;
  const fullGc = () => {
    if (!gc) {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
    gc();
  };

  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let command: { type?: string; windowMs?: number };
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
        startProfile();
        // The window ends by this process's own timer, exactly windowMs after the mark, not when "collect" arrives: a
        // collect a few ms late would let a periodic lump due just after the end block it and land inside, and whole
        // periods would hold one lump too many (timers run in order of expiry, so one due after the end runs after it).
        clearTimeout(windowEnd);
        windowReading = undefined;
        if (typeof command.windowMs === 'number' && command.windowMs > 0) windowEnd = setTimeout(() => { windowReading = readWindow(); }, command.windowMs).unref();
        send({ type: 'marked' });
      } else if (command.type === 'sample') {
        fullGc();
        const memory = process.memoryUsage();
        const cpu = process.cpuUsage(cpuMark);
        send({
          type: 'sample',
          tMs: performance.now() - markedAtMs,
          heapAfterGcBytes: memory.heapUsed,
          rssBytes: memory.rss,
          externalBytes: memory.external,
          arrayBuffersBytes: memory.arrayBuffers,
          handles: process.getActiveResourcesInfo().length,
          cpuUs: cpu.user + cpu.system,
        });
      } else if (command.type === 'collect') {
        clearTimeout(windowEnd);
        const stats = windowReading ?? readWindow();
        windowReading = undefined;
        // Stopped after the window's figures are read, so writing the profile is not in them.
        stopProfile((file) => send(file ? { ...stats, profileFile: file } : stats));
      }
    }
  });

  /** The window's figures since the mark: CPU, event loop, GC and memory. */
  function readWindow() {
    const cpu = process.cpuUsage(cpuMark);
    const elapsedMs = performance.now() - markedAtMs;
    const elu = performance.eventLoopUtilization(eluMark);
    const memory = process.memoryUsage();
    return {
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
    };
  }
}
