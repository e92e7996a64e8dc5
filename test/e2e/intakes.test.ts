import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it, afterEach } from 'vitest';
import { freePort } from '../../src/run/ports.js';
import { adapters } from '../../src/instrument/registry.js';
import type { Intake, IntakeCounts, InstrumentationConfig } from '../../src/instrument/types.js';
import { preloadFlags } from '../../src/run/target.js';
import { bundledFixture } from '../../src/paths.js';
import { sanitizeEnv } from '../../src/instrument/env.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { dirname } from 'node:path';

/**
 * Each intake against the payloads its real SDK sends: start the adapter's
 * intake, run the fixture with the adapter's preload and env, send a known
 * number of requests, and check the exact counts decoded from the wire.
 */
const children: ChildProcess[] = [];
afterEach(() => { for (const child of children.splice(0)) child.kill('SIGKILL'); });

function configFor(entry: string): InstrumentationConfig {
  const scenario = parseScenarioText(`workload: { routes: [{ path: /ping }], rate: 1 }\ninstrumentations:\n  - ${entry}\n`, 'inline.yaml');
  const parsed = scenario.instrumentations[0];
  const adapter = adapters.find((candidate) => candidate.matches(parsed))!;
  return adapter.expand(parsed, { scenarioDir: process.cwd(), targetDir: dirname(bundledFixture) })[0]!;
}

async function startFixture(config: InstrumentationConfig, intake: Intake): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [...preloadFlags(config.preloads), bundledFixture], {
    env: { ...sanitizeEnv(process.env).env, ...config.env, ...intake.env, PORT: String(port), HOST: '127.0.0.1', DOWNSTREAM_URL: 'http://127.0.0.1:1' },
    stdio: 'ignore',
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    try { if ((await fetch(`${url}/healthz`)).ok) return url; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('fixture did not start');
}

async function send(url: string, path: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await (await fetch(`${url}${path}`)).arrayBuffer();
}

async function waitFor(intake: Intake, done: (counts: IntakeCounts) => boolean, timeoutMs = 20_000): Promise<IntakeCounts> {
  const deadline = Date.now() + timeoutMs;
  let counts = intake.snapshot();
  while (!done(counts) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    counts = intake.snapshot();
  }
  return counts;
}

async function exercise(entry: string, requests: Array<[path: string, times: number]>, done: (counts: IntakeCounts) => boolean, timeoutMs = 20_000) {
  const config = configFor(entry);
  const intake = await config.createIntake!();
  try {
    const url = await startFixture(config, intake);
    intake.attachTarget?.(url);
    await new Promise((r) => setTimeout(r, 300));
    intake.startWindow();
    for (const [path, times] of requests) await send(url, path, times);
    const counts = await waitFor(intake, done, timeoutMs);
    // Let a late duplicate (if the decoder double counted) show up before asserting.
    await new Promise((r) => setTimeout(r, 500));
    return { counts: intake.snapshot(), config, first: counts };
  } finally {
    await intake.close();
  }
}

describe('local intakes decode what the real SDKs send', () => {
  it('datadog: msgpack traces from dd-trace, one span per request, errors flagged, all kept at 1.0', async () => {
    const { counts, config } = await exercise('datadog: { sampleRate: 1 }', [['/json', 10], ['/error', 4]], (c) => (c.items.traces ?? 0) >= 14);
    expect(config.agent?.package).toBe('dd-trace');
    expect(counts.items).toMatchObject({ traces: 14, spans: 14, keptTraces: 14, keptSpans: 14, errorSpans: 4 });
    expect(counts.payloadBytes).toBeGreaterThan(14 * 200);
    // Every trace is kept at 1.0, so (nearly) all the bytes are ingested bytes; payload bytes are
    // shared out by item count at the window's edges, kept bytes by spans, hence the tolerance.
    expect(Math.abs(counts.items.keptBytes! / counts.payloadBytes - 1)).toBeLessThan(0.02);
  });

  it('datadog: runtime metrics over DogStatsD, each distinct series counted once however often it is flushed', async () => {
    // dd-trace flushes runtime metrics every 10 s; DD_RUNTIME_METRICS_FLUSH_INTERVAL (its test knob) makes it 250 ms here.
    const entry = 'datadog: { sampleRate: 1, runtimeMetrics: true, env: { DD_RUNTIME_METRICS_FLUSH_INTERVAL: "250" } }';
    const { counts } = await exercise(entry, [['/json', 20]], (c) => (c.items.metricPoints ?? 0) > 3 * (c.items.customMetrics ?? Infinity), 10_000);
    const series = counts.items.customMetrics ?? 0;
    expect(series).toBeGreaterThan(10);
    // Several flushes of the same series: points grow, the count of series does not.
    expect(counts.items.metricPoints!).toBeGreaterThan(3 * series);
  });

  it('datadog: the real continuous profiler uploads pprof files with an event.json, counted per upload, file and profiled second', async () => {
    // Production uploads every 65 s; 1 s here, so uploads arrive within the test.
    const { counts } = await exercise('datadog: { profiling: true, env: { DD_PROFILING_UPLOAD_PERIOD: "1" } }', [['/json', 20]],
      (c) => (c.items.profileUploads ?? 0) >= 2, 40_000);
    const uploads = counts.items.profileUploads!;
    expect(uploads).toBeGreaterThanOrEqual(2);
    // Wall time and heap (space) profiles, plus timeline events (on by default in dd-trace 5): three pprof files per upload.
    expect(counts.items.profiles).toBe(3 * uploads);
    // Each upload covers the period since the last: about the 1 s upload period.
    expect(counts.items.profileSeconds! / uploads).toBeGreaterThan(0.5);
    expect(counts.items.profileSeconds! / uploads).toBeLessThan(3);
    expect(counts.items.profileBytes! / uploads).toBeGreaterThan(1000);
    expect(counts.items.decodeErrors).toBeUndefined();
  }, 60_000);

  it('a faulted intake: "down" refuses connections, { latency } answers that much later', async () => {
    const down = await configFor('datadog: { intake: down }').createIntake!({ fault: 'down' });
    const slow = await configFor('datadog: { intake: { latency: 400ms } }').createIntake!({ fault: { latency: 400 } });
    try {
      await expect(fetch(`http://127.0.0.1:${down.env.DD_TRACE_AGENT_PORT}/info`)).rejects.toThrow();
      const started = Date.now();
      const answer = await fetch(`http://127.0.0.1:${slow.env.DD_TRACE_AGENT_PORT}/info`);
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      await down.close();
      await slow.close();
    }
  });

  it('sentry: envelopes from @sentry/node, one transaction per request and one error event per failure', async () => {
    const { counts } = await exercise('sentry: { tracesSampleRate: 1 }', [['/json', 10], ['/error', 4]], (c) => (c.items.transactions ?? 0) >= 14 && (c.items.errorEvents ?? 0) >= 4);
    expect(counts.items.transactions).toBe(14);
    expect(counts.items.errorEvents).toBe(4);
    // Each transaction counts as a span, plus its child spans.
    expect(counts.items.spans).toBeGreaterThanOrEqual(14);
    expect(counts.payloadBytes).toBeGreaterThan(0);
  });

  it('sentry: @sentry/profiling-node sends one profile per profiled transaction long enough to sample, and chunks when continuous', async () => {
    // /report burns ~50 ms of CPU: five or so 10 ms samples, so the SDK keeps its profile; /ping is too short to keep one.
    const { counts, config } = await exercise('sentry: { tracesSampleRate: 1, profilesSampleRate: 1 }', [['/report', 6], ['/ping', 4]],
      (c) => (c.items.transactions ?? 0) >= 10 && (c.items.profiles ?? 0) >= 6);
    expect(config.env.APM_BENCH_SENTRY_PROFILING_MODULE).toMatch(/@sentry\/profiling-node$/);
    expect(counts.items.transactions).toBe(10);
    // Every /report keeps its profile. A /ping that a busy machine stretched past two samples keeps one too (7 were seen
    // with another test file running beside this one), so the count is bounded by the transactions, not exact.
    expect(counts.items.profiles).toBeGreaterThanOrEqual(6);
    expect(counts.items.profiles).toBeLessThanOrEqual(10);
    const continuous = await exercise('sentry: { tracesSampleRate: 1, profileSessionSampleRate: 1 }', [['/report', 6]],
      (c) => (c.items.profileChunks ?? 0) >= 1, 40_000);
    expect(continuous.counts.items.profileChunks).toBeGreaterThanOrEqual(1);
    expect(continuous.counts.items.profiles ?? 0).toBe(0);
  }, 90_000);

  it('opentelemetry: OTLP/HTTP protobuf from the Node SDK, the same spans for every request', async () => {
    const { counts } = await exercise('opentelemetry: { ratio: 1, batch: { scheduledDelayMillis: 200 } }', [['/json', 10]], (c) => (c.items.spans ?? 0) >= 10);
    const spans = counts.items.spans!;
    expect(spans).toBeGreaterThanOrEqual(10);
    expect(spans % 10).toBe(0);
    expect(counts.items.decodeErrors).toBeUndefined();
  });

  it('opentelemetry: ratio 0 exports nothing', async () => {
    const { counts } = await exercise('opentelemetry: { ratio: 0, batch: { scheduledDelayMillis: 200 } }', [['/json', 10]], () => false, 2_000);
    expect(counts.items.spans ?? 0).toBe(0);
  }, 60_000);

  it('prometheus: scrapes /metrics from prom-client and counts series', async () => {
    const { counts } = await exercise('prometheus: { scrapeInterval: 300ms }', [['/json', 10], ['/error', 4]], (c) => (c.items.scrapes ?? 0) >= 2);
    expect(counts.items.scrapes).toBeGreaterThanOrEqual(2);
    // Default metrics plus 2 label sets × (14 buckets + +Inf + sum + count).
    expect(counts.items.series).toBeGreaterThan(34);
    expect(counts.payloadBytes / counts.items.scrapes!).toBeGreaterThan(2000);
  });

  it('newrelic: the real agent connects over TLS and reports one transaction event per request and one error event per failure', async () => {
    // A high sampling target keeps every transaction's span events, so they can be counted exactly.
    const { counts, config } = await exercise('newrelic: { samplingTarget: 1000 }', [['/json', 10], ['/error', 4]],
      (c) => (c.items.transactions ?? 0) >= 14 && (c.items.errorEvents ?? 0) >= 4, 30_000);
    expect(config.agent?.package).toBe('newrelic');
    expect(counts.items.transactions).toBe(14);
    expect(counts.items.errorEvents).toBe(4);
    // Span events go only with transactions the agent's adaptive sampler picks, and arrive in their own harvest call:
    // 18, 28 and 32 were all seen for these 14 requests (2 spans each, an /error one sometimes 3). Events and errors
    // above are exact; spans are bounded.
    expect(counts.items.spans).toBeGreaterThanOrEqual(2);
    expect(counts.items.spans).toBeLessThanOrEqual(2 * 10 + 3 * 4);
    expect(counts.items.transactionEventsSeen).toBe(14);
    expect(counts.items.errorTraces).toBe(4);
    expect(counts.items.decodeErrors).toBeUndefined();
    expect(counts.payloadBytes).toBeGreaterThan(0);
  }, 60_000);
});
