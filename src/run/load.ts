import { Worker } from 'node:worker_threads';
import type autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { tickerWorkerPath } from '../paths.js';
import type { LatencySummaryUs, LoadRecord, SendLagUs } from '../samples/result.js';
import type { WireRequest } from './route-mix.js';
import type { Arrival } from '../samples/runs.js';

/** process.hrtime in milliseconds: the one monotonic clock the ticker thread shares with this one. */
export function nowMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

export function newLatencyHistogram(): hdr.Histogram {
  // 1 µs to 60 s at 3 significant digits: sub-millisecond Fastify latencies keep their detail.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export function summariseHistogram(histogram: hdr.Histogram): LatencySummaryUs {
  const count = histogram.totalCount;
  return {
    count,
    mean: count ? histogram.mean : 0,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
    max: histogram.maxValue,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
  };
}

function lagSummary(lagsMs: readonly number[]): SendLagUs {
  if (lagsMs.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(lagsMs).sort();
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1]! * 1000) };
}

/** One target the driver sends to: its own connection pool, so the sides never share a socket. */
export class LoadSide {
  readonly pool: Pool;
  private credentials: Record<string, string> = {};
  private readonly signed = new Map<WireRequest, Record<string, string>>();

  /** The credential from workload.login, sent with the routes marked auth. */
  signIn(credentials: Record<string, string>): void {
    this.credentials = credentials;
    this.signed.clear();
  }

  /** A request's headers on this side: with the credential when the route is marked auth, built once per route. */
  headersFor(request: WireRequest): Record<string, string> | undefined {
    if (!request.auth) return request.headers;
    let headers = this.signed.get(request);
    if (!headers) this.signed.set(request, (headers = { ...request.headers, ...this.credentials }));
    return headers;
  }
  constructor(readonly url: string, readonly connections: number) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }
}

export interface PhaseResult {
  sent: number;
  /** Responses to the requests sent in this phase. */
  responses: number;
  /** Of them, the ones with a 2xx/3xx status or one a route expects. */
  succeeded: number;
  /** Responses completed by the end of the schedule (+250 ms) per second: below the offered rate, the target fell behind. */
  achievedRps: number;
  latencyUs: LatencySummaryUs;
  record: LoadRecord;
}

function countFailure(state: SideState, route: string, what: string): void {
  const failed = (state.failedByRoute[route] ??= {});
  failed[what] = (failed[what] ?? 0) + 1;
}

interface SideState {
  side: LoadSide;
  histogram: hdr.Histogram;
  lagsMs: number[];
  statusCounts: Record<string, number>;
  statusByRoute: Record<string, Record<string, number>>;
  failedByRoute: Record<string, Record<string, number>>;
  unexpected: number;
  socketErrors: number;
  timeouts: number;
  inFlight: number;
  maxInFlight: number;
  responses: number;
  completedInTime: number;
}

export interface DriverOptions {
  requests: WireRequest[];
  /** Statuses other than 2xx/3xx that some route declares with expectStatus. */
  expectedStatuses: ReadonlySet<number>;
  timeoutMs: number;
  arrival: Arrival;
  seed: number;
}

/**
 * Open-loop load at a fixed arrival rate (constant or Poisson). Requests go
 * out on schedule whether or not earlier ones have been answered, and latency
 * is measured from the intended send time, so a stall is charged to every
 * request it delays (coordinated omission corrected, as wrk2 does). Every side
 * gets the same arrivals at the same instants and the same route sequence; the
 * side sent first alternates on every tick.
 */
export class OpenLoopDriver {
  private readonly worker: Worker;
  private phases = 0;
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: DriverOptions) {
    this.worker = new Worker(tickerWorkerPath);
    this.worker.unref();
  }

  async phase(opts: { rateRps: number; durationMs: number; sides: LoadSide[]; signal?: AbortSignal }): Promise<PhaseResult[]> {
    const { rateRps, durationMs, sides, signal } = opts;
    const count = Math.max(1, Math.round((rateRps * durationMs) / 1000));
    const intervalMs = 1000 / rateRps;
    const states: SideState[] = sides.map((side) => ({
      side, histogram: newLatencyHistogram(), lagsMs: [], statusCounts: {}, statusByRoute: {}, failedByRoute: {},
      unexpected: 0, socketErrors: 0, timeouts: 0, inFlight: 0, maxInFlight: 0, responses: 0, completedInTime: 0,
    }));
    const t0Ms = nowMs() + 5;
    const inTimeMs = t0Ms + (count + 1) * intervalMs + 250;
    Atomics.store(this.stop, 0, 0);
    this.phases += 1;
    let sent = 0;
    let outstanding = 0;
    let ticksDone = false;
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => { settle = resolve; });
    const maybeSettled = () => { if (ticksDone && outstanding === 0) settle(); };

    const send = (state: SideState, index: number, dueMs: number) => {
      const request = this.options.requests[index % this.options.requests.length]!;
      const route = `${request.method} ${request.path}`;
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      outstanding += 1;
      state.lagsMs.push(nowMs() - dueMs);
      state.side.pool.request({
        path: request.path,
        method: request.method as 'GET',
        headers: state.side.headersFor(request),
        body: request.body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      }).then(async ({ statusCode, body }) => {
        await body.dump();
        const endMs = nowMs();
        state.responses += 1;
        if (endMs <= inTimeMs) state.completedInTime += 1;
        const status = String(statusCode);
        state.statusCounts[status] = (state.statusCounts[status] ?? 0) + 1;
        const byRoute = (state.statusByRoute[route] ??= {});
        byRoute[status] = (byRoute[status] ?? 0) + 1;
        if ((statusCode < 200 || statusCode >= 400) && !this.options.expectedStatuses.has(statusCode)) {
          state.unexpected += 1;
          countFailure(state, route, status);
        } else {
          // Latency of the requests that succeeded: a shed 503 answers fast and would flatter the percentiles.
          state.histogram.recordValue(Math.max(1, Math.round((endMs - dueMs) * 1000)));
        }
      }, (error: { code?: string }) => {
        if (error?.code === 'UND_ERR_HEADERS_TIMEOUT' || error?.code === 'UND_ERR_BODY_TIMEOUT') {
          state.timeouts += 1;
          countFailure(state, route, 'timeout');
        } else {
          state.socketErrors += 1;
          countFailure(state, route, 'socket error');
        }
      }).finally(() => {
        state.inFlight -= 1;
        outstanding -= 1;
        maybeSettled();
      });
    };

    const onTick = ([index, dueMs, side]: [number, number, number]) => {
      if (index < 0) {
        ticksDone = true;
        maybeSettled();
        return;
      }
      if (side === 0) sent += 1;
      send(states[side]!, index, dueMs);
    };
    const onAbort = () => {
      Atomics.store(this.stop, 0, 1);
      Atomics.notify(this.stop, 0);
      settle(); // interrupted or crashed: what is still in flight no longer matters
    };
    this.worker.on('message', onTick);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.worker.postMessage({ t0Ms, rateRps, count, arrival: this.options.arrival, seed: this.options.seed + this.phases, sides: sides.length, stop: this.stop });
    try {
      // Stragglers get up to the request timeout; a target that never answers is reported, not waited on forever.
      await settled;
    } finally {
      this.worker.off('message', onTick);
      signal?.removeEventListener('abort', onAbort);
    }
    return states.map((state) => ({
      sent,
      responses: state.responses,
      succeeded: state.responses - state.unexpected,
      achievedRps: state.completedInTime / (durationMs / 1000),
      latencyUs: summariseHistogram(state.histogram),
      record: {
        sent,
        statusCounts: state.statusCounts,
        statusByRoute: state.statusByRoute,
        failedByRoute: state.failedByRoute,
        unexpectedStatuses: state.unexpected,
        socketErrors: state.socketErrors,
        timeouts: state.timeouts,
        maxInFlight: state.maxInFlight,
        connections: state.side.connections,
        sendLagUs: lagSummary(state.lagsMs),
      },
    }));
  }

  /**
   * Closed-loop priming before the warm-up: each side walks the route sequence
   * with `concurrency` requests in flight until it has `requests` answers (or
   * `maxMs` passed). V8 tiers code up by invocation count, so a few thousand
   * requests bring a fresh target to its steady per-request cost in a second or
   * two; at the offered rate alone that takes tens of seconds.
   */
  async prime(opts: { sides: LoadSide[]; requests: number; concurrency: number; maxMs: number; signal?: AbortSignal }): Promise<number[]> {
    const deadline = nowMs() + opts.maxMs;
    const requests = this.options.requests;
    const one = async (side: LoadSide, counter: { next: number; done: number }) => {
      while (counter.next < opts.requests && nowMs() < deadline && !opts.signal?.aborted) {
        const request = requests[counter.next % requests.length]!;
        counter.next += 1;
        try {
          const { body } = await side.pool.request({
            path: request.path, method: request.method as 'GET', headers: side.headersFor(request), body: request.body,
            headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs,
          });
          await body.dump();
          counter.done += 1;
        } catch {
          // A failing route shows up in the measured phases; priming only warms.
        }
      }
    };
    return Promise.all(opts.sides.map(async (side) => {
      const counter = { next: 0, done: 0 };
      await Promise.all(Array.from({ length: opts.concurrency }, () => one(side, counter)));
      return counter.done;
    }));
  }

  async close(sides: readonly LoadSide[] = []): Promise<void> {
    Atomics.store(this.stop, 0, 1);
    Atomics.notify(this.stop, 0);
    await Promise.all(sides.map((side) => side.pool.destroy().catch(() => undefined)));
    await this.worker.terminate();
  }
}

/**
 * Closed-loop maximum throughput with autocannon (a secondary capacity figure,
 * never the overhead): every connection sends back to back.
 */
export function closedLoopThroughput(opts: {
  url: string;
  requests: WireRequest[];
  connections: number;
  durationMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<number> {
  // Loaded on use: only max-throughput phases need it, and it is slow to load.
  return import('autocannon').then(({ default: autocannonRun }) => new Promise((resolve, reject) => {
    let responses = 0;
    const started = nowMs();
    const instance = autocannonRun({
      url: opts.url,
      connections: opts.connections,
      duration: opts.durationMs / 1000,
      requests: opts.requests as autocannon.Request[],
      timeout: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
    } as autocannon.Options, (error) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(responses / ((nowMs() - started) / 1000));
    });
    instance.on('response', () => { responses += 1; });
    const onAbort = () => instance.stop();
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  }));
}
