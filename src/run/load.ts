import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import type { WireRequest } from './route-mix.js';

export interface LoadOptions {
  url: string;
  requests: WireRequest[];
  /** Offered req/s for the whole run; undefined = closed-loop, as fast as possible. */
  rate?: number;
  connections: number;
  durationMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LatencySummaryUs {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** The full HDR histogram (µs), compressed base64, for percentile curves in reports. */
  histogram: string;
}

export interface LoadResult {
  responses: number;
  elapsedMs: number;
  achievedRps: number;
  statusCounts: Record<string, number>;
  socketErrors: number;
  timeouts: number;
  latencyUs: LatencySummaryUs;
  aborted: boolean;
}


function newHistogram(): hdr.Histogram {
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


/**
 * One load phase with autocannon. Latency is recorded by us from `response`
 * events into a µs HDR histogram: autocannon's own histogram has 1 ms
 * resolution, and its coordinated-omission correction mixes units, so it is
 * switched off. With a rate, autocannon is still closed-loop per connection
 * (each connection sends until its share of the second is used).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = newHistogram();
  const statusCounts: Record<string, number> = {};
  let responses = 0;
  let socketErrors = 0;
  let aborted = false;
  const started = process.hrtime.bigint();

  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.rate ? Math.max(1, Math.min(options.connections, Math.floor(options.rate))) : options.connections,
      duration: options.durationMs / 1000,
      ...(options.rate ? { overallRate: options.rate } : {}),
      requests: options.requests as autocannon.Request[],
      timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
      ignoreCoordinatedOmission: true,
      setupClient: undefined,
    } as autocannon.Options, (error, result) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error) return reject(error instanceof Error ? error : new Error(String(error)));
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({
        responses,
        elapsedMs,
        achievedRps: responses / (elapsedMs / 1000),
        statusCounts,
        socketErrors,
        timeouts: result.timeouts ?? 0,
        latencyUs: summariseHistogram(histogram),
        aborted,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      responses += 1;
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      histogram.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
    instance.on('reqError', () => { socketErrors += 1; });
    const onAbort = () => { aborted = true; instance.stop(); };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
